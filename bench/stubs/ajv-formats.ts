/** Bundle-time stand-in for `ajv-formats`, paired with `ajv.ts`. */
export default function addFormats<T>(ajv: T): T {
  return ajv;
}
