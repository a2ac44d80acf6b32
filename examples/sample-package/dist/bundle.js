export function bundled(){}
