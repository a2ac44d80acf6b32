/**
 * Splits a list into chunks.
 * @param {Array<T>} list
 * @param {number} [size=1] Chunk size.
 * @returns {Array<Array<T>>} The chunks.
 */
export default function chunk(list, size = 1) {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function* range(start, end, step = 1) {
  for (let i = start; i < end; i += step) yield i;
}
