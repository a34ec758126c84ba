import { CORE_SCHEMA, load, YAML11_SCHEMA } from 'js-yaml';
import { parse } from 'yaml';
import { planAll } from '../charts';
import { renderUnit } from '../synth/render';
import { toYaml } from '../synth/yaml';

/** What kubectl (go-yaml, YAML 1.1) and a YAML 1.2 reader each get back. */
function readBack(text: string): unknown[] {
  return [load(text, { schema: YAML11_SCHEMA }), load(text, { schema: CORE_SCHEMA }), parse(text, { version: '1.1' }), parse(text)];
}

describe('toYaml', () => {
  test('block layout: nested mappings, sequences of mappings, empty collections', () => {
    expect(toYaml({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', labels: {} },
      spec: { containers: [{ name: 'c', args: ['--port', '8080'], ports: [] }], nested: [[1, 2], []] },
    })).toBe([
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: a',
      '  labels: {}',
      'spec:',
      '  containers:',
      '    - name: c',
      '      args:',
      '        - --port',
      "        - '8080'",
      '      ports: []',
      '  nested:',
      '    -',
      '      - 1',
      '      - 2',
      '    - []',
      '',
    ].join('\n'));
  });

  test('quotes what a YAML 1.1 or 1.2 reader would not read back as the same string', () => {
    const tricky = ['yes', 'No', 'ON', 'y', 'null', '~', '', ' lead', 'trail ', '8080', '0x1F', '1e3', '1_000', '12:30', '2026-11-22',
      '.5', '.inf', '-', '- a', '-1', '--', '-c', '--port=8080', '-.5', 'a: b', 'a b: c', 'x y:z w', 'a #b', '#c', '*alias', '&anchor', '!tag', '%x', '@x', '`x', '{a}', '[a]', 'a,b', 'it\'s', '"q"', 'tab\there',
      '\u0007bell', 'é', '<<', '=', 'key:', '250m', '512Mi', '30s', 'v1.28', '1.10.2', '8.10.1-alpine', '05-deployment-auth.yaml', '2026-11-22T03:00', '1-2-3', '1.0', '1.0.0e5', 'ghcr.io/acme/web:1.2.0', 'http://a:8080/x', 'Prune=false,Delete=false'];
    for (const s of tricky) {
      const text = toYaml({ [s || 'empty']: s, list: [s] });
      for (const back of readBack(text)) expect(back).toEqual({ [s || 'empty']: s, list: [s] });
    }
    expect(toYaml({ a: '250m', b: '8080', c: 'yes', d: "it's", e: '1.10.2', f: '1.5' })).toBe("a: 250m\nb: '8080'\nc: 'yes'\nd: 'it''s'\ne: 1.10.2\nf: '1.5'\n");
  });

  test('multi-line strings become literal blocks with the right chomping', () => {
    const cases = ['set -eu\necho ok\n', 'no newline\nat end', 'two\n\n', '  indented first\nline\n', 'blank\n\nline\n', 'trailing space \nhere\n', 'cr\r\nlf'];
    for (const s of cases) {
      const text = toYaml({ script: s, items: [{ run: s }] });
      for (const back of readBack(text)) expect(back).toEqual({ script: s, items: [{ run: s }] });
    }
    expect(toYaml({ command: ['/bin/sh', '-c', 'set -eu\necho ok'] })).toBe('command:\n  - /bin/sh\n  - -c\n  - |-\n    set -eu\n    echo ok\n');
  });

  test('numbers, booleans and null keep their types', () => {
    const data = { i: 3, f: 0.25, neg: -1, t: true, f2: false, n: null };
    for (const back of readBack(toYaml(data))) expect(back).toEqual(data);
  });

  test('generated strings over a hostile alphabet read back unchanged', () => {
    const alphabet = ['a', 'Z', '0', '9', ' ', ':', '#', '-', '.', '/', "'", '"', '\n', '\t', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`', '?', '=', 'é', '\\'];
    let seed = 42;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: 1 + rand(12) }, () => alphabet[rand(alphabet.length)]).join('');
      for (const back of readBack(toYaml({ s, l: [s] }))) expect(back).toEqual({ s, l: [s] });
    }
  });

  test('every synthesized manifest reads back unchanged under YAML 1.1 and 1.2', () => {
    let count = 0;
    // Every environment once: a second cluster of one renders the same shapes with other values.
    const seen = new Set<string>();
    const units = planAll().filter((u) => {
      const key = `${u.environment ?? u.env}/${u.stack}`;
      return !seen.has(key) && seen.add(key) !== undefined;
    });
    for (const unit of units) {
      const stack = renderUnit({ env: unit.env, stack: unit.stack, chart: unit.build() });
      for (const o of stack.objects) {
        const want = JSON.stringify(o.manifest);
        for (const back of readBack(toYaml(o.manifest))) {
          if (JSON.stringify(back) !== want) expect(back).toEqual(o.manifest);
        }
        count++;
      }
    }
    expect(count).toBeGreaterThan(900);
  });
});
