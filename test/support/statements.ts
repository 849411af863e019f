import {
  parseStatementFile,
  readStatement,
  type StatementDownload,
  type StatementLine,
  type StatementParse,
  type StatementSummary,
} from '../../src/providers/index.js';

export interface CollectedStatement {
  readonly lines: StatementLine[];
  readonly summary: StatementSummary;
}

/** Runs a streaming parse to the end and keeps every line (tests only: real callers stream). */
export async function collectStatement(parse: StatementParse): Promise<CollectedStatement> {
  const lines: StatementLine[] = [];
  const summary = await readStatement(parse, (line) => void lines.push(line));
  return { lines, summary };
}

/** A READY download, parsed from its raw bytes. */
export async function parsedDownload(
  download: StatementDownload,
): Promise<CollectedStatement & Extract<StatementDownload, { status: 'READY' }>> {
  if (download.status !== 'READY') throw new Error(`expected READY, got ${download.status}`);
  return { ...download, ...(await collectStatement(parseStatementFile(download.format, [download.raw]))) };
}
