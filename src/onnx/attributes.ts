/** Typed readers of ONNX node attributes (used by the builder, shape inference, import and the gradient rules). */
import type { Attribute, NodeProto } from './proto.js';

/** The attribute `name` of `node`, or undefined. */
export function attr(node: NodeProto, name: string): Attribute | undefined {
  return node.attributes.find((a) => a.name === name);
}
/** An int attribute, or `dflt` when absent (or of another type). */
export function attrInt(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a && a.type === 'int' ? a.value : dflt;
}
/** A float attribute, or `dflt`. */
export function attrFloat(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a && a.type === 'float' ? a.value : dflt;
}
/** An int attribute, or `dflt` when absent (or of another type). */
/** An ints attribute, or undefined. */
export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a && a.type === 'ints' ? a.value : undefined;
}
/** A string attribute, or `dflt`. */
export function attrString(node: NodeProto, name: string, dflt: string): string {
  const a = attr(node, name);
  return a && a.type === 'string' ? a.value : dflt;
}
