/**
 * Small emitters shared by gradient rules: typed scalar constants, zeros and shape tensors that follow the element
 * type and static shape of a forward tensor (so rules stay correct in graphs that mix float32 and float64).
 */
import { OP } from '../../onnx/ops.js';
import { tensorToProto, type AnyArray } from '../../onnx/tensors.js';
import { DataType, type DataTypeCode, type Dim } from '../../onnx/proto.js';
import type { GradContext } from './types.js';

const FLOAT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, 16 /* BFLOAT16 */]);

/** Whether an ONNX element type is a floating-point type (gradients flow only through these). */
export function isFloatType(t: DataTypeCode): boolean {
  return FLOAT_TYPES.has(t);
}

/** Element type of a forward tensor (the builder's float type when unknown). */
export function elemTypeOf(ctx: GradContext, name: string): DataTypeCode {
  return ctx.env.info.get(name)?.elemType ?? ctx.b.floatType;
}

function floatArray(t: DataTypeCode, values: number[]): AnyArray {
  return t === DataType.DOUBLE ? Float64Array.from(values) : Float32Array.from(values);
}

/** DOUBLE when forward tensor `like` is float64, else FLOAT: the type of the constants made to meet it. */
function constTypeOf(ctx: GradContext, like: string): DataTypeCode {
  return elemTypeOf(ctx, like) === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
}

/** A constant of shape `dims` with the (float or double) element type of forward tensor `like`. */
export function constLike(ctx: GradContext, values: number[], dims: number[], like: string, prefix = 'const'): string {
  const t = constTypeOf(ctx, like);
  return ctx.b.init(ctx.b.fresh(prefix), { dataType: t, dims, data: floatArray(t, values) });
}

/** A scalar constant with the (float or double) element type of forward tensor `like`. */
export function scalarLike(ctx: GradContext, value: number, like: string): string {
  return constLike(ctx, [value], [], like);
}

/** Whether every dim is a known number. */
export function isStatic(shape: Dim[] | undefined): shape is number[] {
  return shape !== undefined && shape.every((d) => typeof d === 'number');
}

/** An int64 tensor holding the shape of forward tensor `x`: a constant when it is static, else a Shape node. */
export function shapeOf(ctx: GradContext, x: string): string {
  const s = ctx.env.info.get(x)?.shape;
  return isStatic(s) ? ctx.b.constInt64(s) : ctx.b.shape(x);
}

/** Zeros with the shape and element type of forward tensor `x`. */
export function zerosLike(ctx: GradContext, x: string): string {
  return zerosOfShape(ctx, shapeOf(ctx, x), x);
}

/** `value` everywhere in the shape held in int64 tensor `shape`, with the element type of forward tensor `like`. */
export function fillOfShape(ctx: GradContext, shape: string, value: number, like: string): string {
  const t = constTypeOf(ctx, like);
  return ctx.b.op(OP.ConstantOfShape, [shape], { value: tensorToProto('value', [1], floatArray(t, [value]), t) });
}

/** Zeros of the shape held in int64 tensor `shape`, with the element type of forward tensor `like`. */
export function zerosOfShape(ctx: GradContext, shape: string, like: string): string {
  return fillOfShape(ctx, shape, 0, like);
}

/** The values of a constant int64/int32 tensor (an initializer or a folded constant), or undefined. */
export function constInts(ctx: GradContext, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  const c = ctx.env.consts.get(name);
  if (c) return c;
  const t = ctx.b.initializers.get(name);
  if (t && (t.dataType === DataType.INT64 || t.dataType === DataType.INT32)) return Array.from(t.data as ArrayLike<number | bigint>, Number);
  return undefined;
}

/** The values of a constant float initializer, or undefined. */
export function constFloats(ctx: GradContext, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  const t = ctx.b.initializers.get(name);
  if (t && (t.data instanceof Float32Array || t.data instanceof Float64Array)) return Array.from(t.data);
  return undefined;
}

/** Size of forward tensor `x` along `axis` as an int64 [1] tensor (Shape + Gather: valid from opset 13 on). */
export function dimOf(ctx: GradContext, x: string, axis: number): string {
  const d = ctx.env.info.get(x)?.shape?.[axis];
  return typeof d === 'number' ? ctx.b.constInt64([d]) : ctx.b.op(OP.Gather, [ctx.b.shape(x), ctx.b.constInt64([axis])]);
}

/** A float mask (1 where `cond` holds, else 0) with the element type of forward tensor `like`. */
export function maskLike(ctx: GradContext, cond: string, like: string): string {
  return ctx.b.op(OP.Cast, [cond], { to: elemTypeOf(ctx, like) === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT });
}

/**
 * The mean of `x` over `axes` (keepdims): ReduceSum with the axes as an input (valid from opset 13 on) times the
 * reciprocal of the static number of elements averaged. Throws BAD_SHAPE (via ctx.shape) when a reduced dim is not
 * static.
 */
export function meanOver(ctx: GradContext, x: string, axes: number[], like: string, count: number): string {
  return ctx.b.mul(ctx.b.reduceSum(x, axes, true), scalarLike(ctx, 1 / count, like));
}
