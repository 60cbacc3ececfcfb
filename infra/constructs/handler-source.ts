// Synth-time check that a route/task entry point exists: the file is there and exports the named
// handler. Lambda would only find out at the first invocation ("handler is undefined"); synth fails now.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const exportsCache = new Map<string, Set<string>>();

/** Names a TypeScript module exports at its top level (declarations and `export { a as b }`). */
export function exportedNames(path: string): Set<string> {
  const cached = exportsCache.get(path);
  if (cached) return cached;
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  const isExported = (node: ts.Node): boolean =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement) && isExported(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) &&
      statement.name &&
      isExported(statement)
    ) {
      names.add(statement.name.text);
    } else if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const e of statement.exportClause.elements) names.add(e.name.text);
    }
  }
  exportsCache.set(path, names);
  return names;
}

/** Throws unless `file` (relative to repoRoot) exists and exports `exportName`. */
export function assertHandlerExport(repoRoot: string, owner: string, file: string, exportName: string): void {
  const path = join(repoRoot, file);
  if (!existsSync(path)) throw new Error(`${owner}: handler file ${file} does not exist`);
  if (!exportedNames(path).has(exportName)) throw new Error(`${owner}: ${file} does not export "${exportName}"`);
}
