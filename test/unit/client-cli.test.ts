// The client CLI's pure parts: CSV export (columns, quoting, line items as JSON) and where the API URL and
// key come from (flag > environment > config file > default).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_API_URL, configFilePath, resolveClientConfig } from '../../infra/cli/client/config.ts';
import { csvCell, itemsToCsv } from '../../infra/cli/client/csv.ts';
import { ClientUsageError } from '../../infra/cli/client/errors.ts';

describe('CSV export', () => {
  test('one row per item, result fields as columns in first-seen order, line items as a JSON cell', () => {
    const csv = itemsToCsv([
      {
        seq: 1,
        file: 'a.png',
        request_id: 'r_1',
        status: 'ok',
        schema_valid: true,
        error: null,
        parsed: { merchant: 'Café "Zur Post", Berlin', total: 12.5, line_items: [{ name: 'Tea', amount: 2 }] },
      },
      {
        seq: 2,
        file: 'b.png',
        request_id: 'r_2',
        status: 'error',
        schema_valid: false,
        error: { code: 'invalid_input', message: 'not an image' },
        parsed: null,
      },
      {
        seq: 3,
        file: 'c\nd.png',
        request_id: 'r_3',
        status: 'ok',
        schema_valid: true,
        error: null,
        parsed: { total: null, date: '2026-03-01' },
      },
    ]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('seq,file,request_id,status,schema_valid,error_code,error_message,merchant,total,line_items,date');
    expect(lines[1]).toBe('1,a.png,r_1,ok,true,,,"Café ""Zur Post"", Berlin",12.5,"[{""name"":""Tea"",""amount"":2}]",');
    expect(lines[2]).toBe('2,b.png,r_2,error,false,invalid_input,not an image,,,,');
    expect(lines[3]).toBe('3,"c\nd.png",r_3,ok,true,,,,,,2026-03-01');
    expect(lines.at(-1)).toBe('');
  });

  test('cells: plain values unquoted; comma, quote, CR and LF quoted; null empty', () => {
    expect([csvCell('x'), csvCell(3), csvCell(false), csvCell(null), csvCell(undefined)]).toEqual(['x', '3', 'false', '', '']);
    expect([csvCell('a,b'), csvCell('say "hi"'), csvCell('a\rb')]).toEqual(['"a,b"', '"say ""hi"""', '"a\rb"']);
  });

  test('a needs_review column appears only when the items carry it', () => {
    expect(itemsToCsv([{ seq: 1, parsed: {} }]).split('\r\n')[0]).not.toContain('needs_review');
    expect(itemsToCsv([{ seq: 1, parsed: {}, needs_review: true }]).split('\r\n')[1]).toBe('1,,,,,,,true');
  });
});

describe('client configuration precedence', () => {
  const home = mkdtempSync(join(tmpdir(), 'ocrlty-cfg-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const writeConfig = (dir: string, body: string) => {
    mkdirSync(join(dir, 'ocrlty'), { recursive: true });
    writeFileSync(join(dir, 'ocrlty', 'config.json'), body);
  };

  test('the config file is under XDG_CONFIG_HOME, else HOME/.config', () => {
    expect(configFilePath({ HOME: home })).toBe(join(home, '.config', 'ocrlty', 'config.json'));
    expect(configFilePath({ HOME: home, XDG_CONFIG_HOME: join(home, 'xdg') })).toBe(join(home, 'xdg', 'ocrlty', 'config.json'));
  });

  test('flag > environment > file > default, for the URL and the key separately', () => {
    writeConfig(join(home, '.config'), JSON.stringify({ api_url: 'https://file.example/', api_key: 'ocr_file' }));
    const env = { HOME: home, OCRLTY_API_URL: 'https://env.example', OCRLTY_API_KEY: 'ocr_env' };
    expect(resolveClientConfig({ 'api-url': 'https://flag.example', 'api-key': 'ocr_flag' }, env)).toMatchObject({
      apiUrl: 'https://flag.example',
      apiKey: 'ocr_flag',
      from: { apiUrl: 'flag', apiKey: 'flag' },
    });
    expect(resolveClientConfig({}, env)).toMatchObject({
      apiUrl: 'https://env.example',
      apiKey: 'ocr_env',
      from: { apiUrl: 'env' },
    });
    expect(resolveClientConfig({ 'api-key': 'ocr_flag' }, { HOME: home, OCRLTY_API_KEY: '' })).toMatchObject({
      apiUrl: 'https://file.example',
      apiKey: 'ocr_flag',
      from: { apiUrl: 'file', apiKey: 'flag' },
    });
    expect(resolveClientConfig({}, { HOME: join(home, 'nobody') })).toMatchObject({
      apiUrl: DEFAULT_API_URL,
      apiKey: undefined,
      from: { apiUrl: 'default', apiKey: 'none' },
    });
  });

  test('a config file that is not a JSON object, or a URL that is not http(s), is a usage error', () => {
    const xdg = join(home, 'bad');
    writeConfig(xdg, '[1,2');
    expect(() => resolveClientConfig({}, { HOME: home, XDG_CONFIG_HOME: xdg })).toThrow(ClientUsageError);
    expect(() => resolveClientConfig({ 'api-url': 'ftp://x' }, { HOME: join(home, 'nobody') })).toThrow(/not an http/);
  });
});
