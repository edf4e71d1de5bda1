/**
 * An INI reader with oslo.config's syntax: `[SECTION]` headers, `key = value` (or `key: value`),
 * `#`/`;` comment lines, indented continuation lines appended to the previous value. Keys are
 * kept as written; a repeated key keeps the last value (oslo's MultiStr options are not used by
 * bagpipe). Errors carry the line number.
 */
import { BgpdError } from './errors.js';

export interface IniEntry {
  readonly value: string;
  readonly line: number;
}

export type IniSections = ReadonlyMap<string, ReadonlyMap<string, IniEntry>>;

export class IniSyntaxError extends BgpdError {
  readonly line: number;

  constructor(line: number, message: string) {
    super('BGPD_ERR_CONFIG_SYNTAX', `line ${line}: ${message}`);
    this.line = line;
  }
}

export function parseIni(text: string): IniSections {
  const sections = new Map<string, Map<string, IniEntry>>();
  let current: Map<string, IniEntry> | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (/^\s/.test(raw) && current && lastKey !== undefined) {
      const prev = current.get(lastKey);
      if (prev) current.set(lastKey, { value: `${prev.value}\n${trimmed}`, line: prev.line });
      return;
    }
    const header = /^\[([^\]]+)\]$/.exec(trimmed);
    if (header) {
      const name = (header[1] ?? '').trim();
      current = sections.get(name) ?? new Map<string, IniEntry>();
      sections.set(name, current);
      lastKey = undefined;
      return;
    }
    const kv = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!kv)
      throw new IniSyntaxError(n, `expected "key = value" or "[SECTION]", got ${JSON.stringify(trimmed)}`);
    if (!current) throw new IniSyntaxError(n, `option ${JSON.stringify(kv[1])} outside of any [SECTION]`);
    lastKey = kv[1] ?? '';
    current.set(lastKey, { value: kv[2] ?? '', line: n });
  });
  return sections;
}
