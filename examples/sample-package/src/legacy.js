// CommonJS: not an ES module, so nothing is extracted from it.
module.exports = function legacy(a, b) { return a + b; };
