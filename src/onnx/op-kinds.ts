/** Facts about ONNX operators that do not depend on geolens' gradient rules. */

/** Ops through which no gradient flows (integer/shape computations, comparisons). */
export const NON_DIFFERENTIABLE_OPS: ReadonlySet<string> = new Set(['Shape', 'Size', 'Constant', 'ConstantOfShape', 'Range', 'ArgMax', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'IsNaN', 'OneHot', 'Sign']);
