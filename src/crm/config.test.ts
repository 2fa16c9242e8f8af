import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrmConfigSource, parseCrmFile } from './config.js';

const channel = { id: 'c1', secret: 's1', amojoUrl: 'https://amojo.amocrm.ru' };

describe('the CRM channels file', () => {
  it('fills the documented defaults', () => {
    const f = parseCrmFile({ channels: [channel] });
    expect(f.channels[0]).toMatchObject({ statusField: 'delivery_status', language: 'en' });
    expect(f.protection).toMatchObject({ enabled: true, perHour: 15, perDay: 40, warmupDaily: [10, 20, 30] });
  });

  it('refuses a bad file with the field at fault', () => {
    expect(() => parseCrmFile({ channels: [] })).toThrow(/channels/);
    expect(() => parseCrmFile({ channels: [{ ...channel, statusField: 'status' }] })).toThrow(/channels\.0\.statusField/);
    expect(() => parseCrmFile({ channels: [channel, channel] })).toThrow(/listed twice/);
    expect(() => parseCrmFile({ channels: [channel], protection: { perHuor: 3 } })).toThrow(/protection/);
  });

  it('is re-read when it changes; a bad edit keeps the last good one', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crm-cfg-')), 'crm.json');
    fs.writeFileSync(file, JSON.stringify({ channels: [channel] }));
    const errors: Error[] = [];
    const src = new CrmConfigSource(file, (e) => errors.push(e));
    expect(src.channel('c1')?.secret).toBe('s1');
    fs.writeFileSync(file, JSON.stringify({ channels: [{ ...channel, secret: 'rotated-secret' }] }));
    expect(src.channel('c1')?.secret).toBe('rotated-secret');
    fs.writeFileSync(file, '{"channels": [');
    expect(src.channel('c1')?.secret).toBe('rotated-secret');
    expect(errors).toHaveLength(1);
    fs.writeFileSync(file, JSON.stringify({ channels: [channel], accounts: { u7: { protection: { enabled: false } } } }));
    expect(src.protectionFor('u7').enabled).toBe(false);
    expect(src.protectionFor('u8').enabled).toBe(true);
  });
});
