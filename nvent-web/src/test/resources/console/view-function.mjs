// Calls one self-contained function of a console view (its `export function <name>(…) {…}`, taken from the file as
// the console serves it) with arguments given as JSON, and prints its answer as one JSON line: for console tests of a
// view's logic that needs neither DOM nor server (ConsoleRunsBeforeV15Test).
// Usage: node view-function.mjs <dir of the console's js> <file, e.g. views/runs.js> <function> <JSON array of arguments>
import { readFileSync } from 'node:fs';

const [dir, file, name, args] = process.argv.slice(2);
const text = readFileSync(`${dir}/${file}`, 'utf8');
const from = text.indexOf(`export function ${name}(`);
const to = text.indexOf('\n}\n', from);
if (from < 0 || to < 0) throw new Error(`no function ${name} in ${file}`);
const fn = new Function(`${text.substring(from, to + 3).replace('export ', '')}\nreturn ${name};`)();
process.stdout.write(`${JSON.stringify(fn(...JSON.parse(args)) ?? null)}\n`);
