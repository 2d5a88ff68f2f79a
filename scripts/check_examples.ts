/**
 * Type-checks every ```ts block in the doc comments of lib/ and mod.ts, as `deno test --doc`
 * does for std: each block becomes a module of its own, beside the file it documents, that
 * sees what that file sees: every export of the file and every name the file imports
 * (unless the block imports or declares that name itself), and the conventional names of
 * scripts/example_prelude.ts (`conn`, `node`, `core`...: typed, so that `node.nosuch()`
 * fails). The blocks are then checked together with the project's compiler options. A block
 * that uses any other value it does not make says what it is: `declare const x: T;`.
 *
 * Usage: bun scripts/check_examples.ts [files...]   (no files: lib/ and mod.ts)
 * Prints `file:line:col - error TSnnnn: message` per problem, at the example's own line,
 * and exits 1 when there is any.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve(import.meta.dir, "..");
const PRELUDE = join(root, "scripts", "example_prelude.ts");

interface Example {
  /** The documented file (absolute). */
  file: string;
  /** 1-based line of the example's first code line in that file. */
  line: number;
  code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The ```ts (or ```typescript) blocks inside `/** ... *\/` comments of `text`. */
export function examplesIn(file: string, text: string): Example[] {
  const out: Example[] = [];
  const lines = text.split("\n");
  let inDoc = false;
  let block: { line: number; code: string[] } | undefined;
  lines.forEach((raw, i) => {
    if (!inDoc && /^\s*\/\*\*/.test(raw)) inDoc = true;
    if (inDoc) {
      const body = raw.replace(/^\s*(\/\*\*|\*\/|\*)? ?/, "");
      if (block) {
        if (/^```\s*$/.test(body)) {
          out.push({ file, line: block.line, code: block.code.join("\n") });
          block = undefined;
        } else block.code.push(body);
      } else if (/^```(ts|typescript)\s*$/.test(body)) block = { line: i + 2, code: [] };
    }
    if (inDoc && raw.includes("*/")) {
      inDoc = false;
      block = undefined;
    }
  });
  return out;
}

/** The file's own import declarations, each keeping only the names not in `drop`. */
function importsOf(sf: ts.SourceFile, drop: Set<string>): string[] {
  const out: string[] = [];
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !s.importClause) continue;
    const from = (s.moduleSpecifier as ts.StringLiteral).text;
    const c = s.importClause;
    const typeOnly = c.isTypeOnly ? "type " : "";
    if (c.name && !drop.has(c.name.text)) out.push(`import ${typeOnly}${c.name.text} from ${JSON.stringify(from)};`);
    const nb = c.namedBindings;
    if (nb && ts.isNamespaceImport(nb) && !drop.has(nb.name.text))
      out.push(`import ${typeOnly}* as ${nb.name.text} from ${JSON.stringify(from)};`);
    if (nb && ts.isNamedImports(nb)) {
      const els = nb.elements.filter((el) => !drop.has(el.name.text)).map((el) => el.getText(sf));
      if (els.length > 0) out.push(`import ${typeOnly}{ ${els.join(", ")} } from ${JSON.stringify(from)};`);
    }
  }
  return out;
}

/** Names an example binds at its top level (imports and declarations). */
function ownNames(code: string): Set<string> {
  const names = new Set<string>();
  const sf = ts.createSourceFile("x.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const bind = (n: ts.BindingName): void => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
  };
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s)) {
      const c = s.importClause;
      if (c?.name) names.add(c.name.text);
      const nb = c?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) names.add(nb.name.text);
      if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) names.add(el.name.text);
    } else if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) bind(d.name);
    else if (
      (ts.isFunctionDeclaration(s) ||
        ts.isClassDeclaration(s) ||
        ts.isInterfaceDeclaration(s) ||
        ts.isTypeAliasDeclaration(s) ||
        ts.isEnumDeclaration(s)) &&
      s.name
    )
      names.add(s.name.text);
  }
  return names;
}

function compilerOptions(): ts.CompilerOptions {
  const cfg = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  if (cfg.error) throw new Error(ts.flattenDiagnosticMessageText(cfg.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  return { ...parsed.options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
}

function main(args: string[]): number {
  const files = args.length > 0 ? args.map((a) => resolve(a)) : [...sourceFiles(join(root, "lib")), join(root, "mod.ts")];
  const options = compilerOptions();
  const examples = files.flatMap((f) => examplesIn(f, readFileSync(f, "utf8")));

  // What each documented file exports, read from a program of those files alone.
  const base = ts.createProgram({ rootNames: [...files, PRELUDE], options });
  const checker = base.getTypeChecker();
  const exportsOf = new Map<string, string[]>();
  for (const f of [...files, PRELUDE]) {
    const sym = checker.getSymbolAtLocation(base.getSourceFile(f)!);
    exportsOf.set(
      f,
      sym
        ? checker
            .getExportsOfModule(sym)
            .map((s) => s.name)
            .filter((n) => n !== "default")
        : [],
    );
  }

  // One virtual module per example, beside the file it documents (so relative imports work).
  const virtual = new Map<string, { example: Example; offset: number }>();
  const texts = new Map<string, string>();
  examples.forEach((ex, i) => {
    const own = ownNames(ex.code);
    const header = importsOf(base.getSourceFile(ex.file)!, own);
    const imported = ownNames(header.join("\n"));
    const names = exportsOf.get(ex.file)!.filter((n) => !own.has(n) && !imported.has(n));
    if (names.length > 0) header.push(`import { ${names.join(", ")} } from ${JSON.stringify(ex.file)};`);
    const taken = new Set([...own, ...imported, ...names]);
    const prelude = exportsOf.get(PRELUDE)!.filter((n) => !taken.has(n));
    if (prelude.length > 0) header.push(`import { ${prelude.join(", ")} } from ${JSON.stringify(PRELUDE)};`);
    const name = `${ex.file.replace(/\.ts$/, "")}.__example${i}__.ts`;
    // One line for the whole header, so that the example's lines keep their numbers + 1.
    texts.set(name, `${header.join(" ")}\n${ex.code}\nexport {};\n`);
    virtual.set(name, { example: ex, offset: 1 });
  });
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => texts.get(f) ?? readFile(f);
  host.fileExists = (f) => texts.has(f) || ts.sys.fileExists(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = texts.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, onError, create);
  };
  const program = ts.createProgram({ rootNames: [...files, PRELUDE, ...texts.keys()], options, host, oldProgram: base });

  let problems = 0;
  const prelude = program.getSourceFile(PRELUDE)!;
  for (const d of program.getSemanticDiagnostics(prelude)) {
    const { line, character } = prelude.getLineAndCharacterOfPosition(d.start ?? 0);
    console.log(
      `${relative(root, PRELUDE)}:${line + 1}:${character + 1} - error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
    problems++;
  }
  for (const [name, { example, offset }] of virtual) {
    const sf = program.getSourceFile(name)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const { line, character } = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : { line: offset, character: 0 };
      const at = `${relative(root, example.file)}:${example.line + line - offset}:${character + 1}`;
      console.log(`${at} - error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      problems++;
    }
  }
  if (problems > 0)
    console.log(
      `\n${problems} problem(s) in the @example blocks (of ${examples.length}). Each block is checked as a module beside its file, ` +
        "seeing the file's exports and imports and the names of scripts/example_prelude.ts; " +
        "a block that uses anything else makes it or says what it is (`declare const x: T;`)",
    );
  return problems > 0 ? 1 : 0;
}

if (import.meta.main) process.exit(main(process.argv.slice(2)));
