import { compareSync } from 'bcryptjs';
import { prometheusWebYml, prometheusYml } from './prometheus-config';

describe('prometheus config', () => {
  it('should scrape through registry-sd as the scraper, with the password in a file, never in the config', () => {
    const yml = prometheusYml({ registrySd: '127.0.0.1:9099', scraperPasswordFile: '/s/scraper.password', rulesFile: '/r/rules.yml' });
    expect(yml).toContain('url: "http://127.0.0.1:9099/targets"');
    expect(yml.match(/username: prometheus/g)).toHaveLength(2);
    expect(yml.match(/password_file: "\/s\/scraper.password"/g)).toHaveLength(2);
    expect(yml).not.toMatch(/^\s*password:/m);
    expect(yml).toContain('honor_labels: true');
    expect(yml).toContain('- "/r/rules.yml"');
  });

  it("should admit only the operator and the console to Prometheus's UI, each by a bcrypt hash of its password", () => {
    const web = prometheusWebYml('operator-secret', 4, 'console-secret');
    const m = /^ {2}dsp-operator: "(.+)"$/m.exec(web);
    expect(m?.[1]).toMatch(/^\$2[aby]\$04\$/);
    expect(compareSync('operator-secret', m?.[1] ?? '')).toBe(true);
    expect(compareSync('another', m?.[1] ?? '')).toBe(false);
    expect(web).not.toContain('operator-secret');
    const c = /^ {2}dsp-console: "(.+)"$/m.exec(web);
    expect(compareSync('console-secret', c?.[1] ?? '')).toBe(true);
    expect(compareSync('operator-secret', c?.[1] ?? '')).toBe(false);
    expect(web).not.toContain('console-secret');
    expect(web.match(/^ {2}\S+:/gm)).toHaveLength(2);
  });
});
