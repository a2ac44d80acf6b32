/**
 * Formats a greeting for a person.
 *
 * @param {string} name - Who to greet.
 * @param {object} [options] - How to greet.
 * @param {string} [options.punctuation='!'] - Mark at the end.
 * @returns {string} The greeting.
 */
export function greet(name, { punctuation = '!' } = {}) {
  return `Hello, ${name}${punctuation}`;
}

/**
 * Waits, then resolves with the value.
 * @param {number} ms Milliseconds to wait.
 * @param {T} [value] What to resolve with.
 * @returns {Promise<T>}
 * @template T
 */
export const delay = async (ms, value) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value ?? null;
};

/**
 * Sums any number of values.
 * @param {...number} values
 */
function sum(...values) {
  return values.reduce((a, b) => a + b, 0);
}

class Counter {
  #count = 0;
  increment() { return ++this.#count; }
}

export { sum, sum as total, Counter };
export * from './internal/helpers.mjs';
