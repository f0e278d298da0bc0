/** Facts about the JavaScript platform that the compilers and condition data rely on. */

let canGenerate: boolean | undefined;

/** False where a Content-Security-Policy forbids building code at run time (no 'unsafe-eval'). */
export function codegenAvailable(): boolean {
  if (canGenerate === undefined) {
    try {
      canGenerate = new Function('return 1')() === 1;
    } catch {
      canGenerate = false;
    }
  }
  return canGenerate;
}

/**
 * Names some built-in prototype has (toString, length, map, getTime...). Reads of these always
 * check own-ness. Any other name cannot be inherited by a plain object or array, so reads from
 * JSON-like data may skip the check.
 */
const BUILTIN_PROTOTYPES: object[] = [
  Object.prototype, Function.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype,
  Symbol.prototype, Date.prototype, RegExp.prototype, Map.prototype, Set.prototype, WeakMap.prototype,
  Promise.prototype, Error.prototype, BigInt.prototype, ArrayBuffer.prototype, Object.getPrototypeOf(Uint8Array.prototype),
];

export function maybeInherited(key: string): boolean {
  return BUILTIN_PROTOTYPES.some((p) => key in p);
}
