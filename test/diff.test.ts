import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { countsOf, diffEnvironments, diffFields, diffStacks, DiffReport, environmentNormalizer, exitCodeOf, FieldChange } from '../tools/lib/diff';
import { diffCli } from '../tools/lib/diff-cli';
import { formatChange, formatMarkdown, formatText, formatValue } from '../tools/lib/format-diff';
import { compareEnvs, inEnvironment, loadDistAtRef, loadDistDir, parseTree, PROMOTION_ORDER } from '../tools/lib/load';
import { shapeOf, topicOf } from '../tools/lib/topics';
import { broadGrants, risksOf, weaknesses } from '../tools/lib/risk';
import { Manifest } from '../synth/render';
import { toYaml } from '../synth/yaml';
import { arr, clone, find, obj, shopManifests, shopStack } from './fixtures/shop';

function edited(edit: (ms: Manifest[]) => void): Manifest[] {
  const ms = clone(shopManifests());
  edit(ms);
  return ms;
}

const configMap = (name: string): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop-prod' }, data: { FLAG: 'on' } });

const SELECTOR_RISK = 'immutable selector: kubectl apply fails; delete and recreate the object (--cascade=orphan keeps the pods)';

/** replicas 2 → 3 on api, a ConfigMap added, a label added to the postgres selector. */
function knownChange(): DiffReport {
  const after = edited((ms) => {
    obj(find(ms, 'Deployment', 'api'), 'spec').replicas = 3;
    obj(find(ms, 'StatefulSet', 'postgres'), 'spec.selector.matchLabels')['app.kubernetes.io/component'] = 'database';
    ms.push(configMap('shop-flags'));
  });
  return { from: 'HEAD', to: 'working tree', stacks: diffStacks([shopStack()], [shopStack(after)]) };
}

describe('diff', () => {
  test('a known change: replicas changed, one object added, one selector changed (risky)', () => {
    const report = knownChange();
    expect(report.stacks).toEqual([{
      env: 'prod',
      stack: 'shop',
      objects: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'shop-flags', change: 'added', fields: [], risks: [] },
        {
          apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'postgres', change: 'changed',
          fields: [{ path: 'spec.selector.matchLabels["app.kubernetes.io/component"]', op: 'added', after: 'database', topic: 'selector' }],
          risks: [{ category: 'immutable', path: 'spec.selector.matchLabels["app.kubernetes.io/component"]', message: SELECTOR_RISK }],
        },
        {
          apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', change: 'changed',
          fields: [{ path: 'spec.replicas', op: 'changed', before: 2, after: 3, topic: 'scaling' }],
          risks: [],
        },
      ],
    }]);
    expect(countsOf(report)).toEqual({ added: 1, removed: 0, changed: 2, risky: 1 });
    expect(exitCodeOf(report)).toBe(2);
  });

  test('exit codes: 0 when equal, 1 when something differs, 2 when a change is risky', () => {
    const same = { from: 'a', to: 'b', stacks: diffStacks([shopStack()], [shopStack()]) };
    expect(same.stacks).toEqual([]);
    expect(exitCodeOf(same)).toBe(0);
    const plain = { from: 'a', to: 'b', stacks: diffStacks([shopStack()], [shopStack(edited((ms) => { obj(find(ms, 'Deployment', 'api'), 'spec').replicas = 4; }))]) };
    expect(exitCodeOf(plain)).toBe(1);
    expect(exitCodeOf(knownChange())).toBe(2);
  });

  test('named list items are matched by name: an env var inserted in the middle is one addition', () => {
    const before = shopManifests();
    const after = edited((ms) => {
      const c = obj(find(ms, 'Deployment', 'api'), 'spec.template.spec.containers.0');
      arr(c, 'env').splice(1, 0, { name: 'CACHE', value: 'on' });
      c.image = 'ghcr.io/acme/shop-api:2.4.0';
      obj(find(ms, 'StatefulSet', 'postgres'), 'spec.volumeClaimTemplates.0.spec.resources.requests').storage = '20Gi';
    });
    expect(diffFields('Deployment', find(before, 'Deployment', 'api'), find(after, 'Deployment', 'api'))).toEqual([
      { path: 'spec.template.spec.containers[api].image', op: 'changed', before: 'ghcr.io/acme/shop-api:2.3.0', after: 'ghcr.io/acme/shop-api:2.4.0', topic: 'image' },
      { path: 'spec.template.spec.containers[api].env[CACHE]', op: 'added', after: { name: 'CACHE', value: 'on' }, topic: 'env' },
    ]);
    expect(diffFields('StatefulSet', find(before, 'StatefulSet', 'postgres'), find(after, 'StatefulSet', 'postgres'))).toEqual([
      { path: 'spec.volumeClaimTemplates[data].spec.resources.requests.storage', op: 'changed', before: '10Gi', after: '20Gi', topic: 'storage' },
    ]);
  });

  test('a list of scalars changes as a whole', () => {
    const before = shopManifests();
    const after = edited((ms) => { obj(find(ms, 'Job', 'migrate'), 'spec.template.spec.containers.0').args = ['migrate', '--dry-run', 'up']; });
    expect(diffFields('Job', find(before, 'Job', 'migrate'), find(after, 'Job', 'migrate'))).toEqual([
      { path: 'spec.template.spec.containers[migrate].args', op: 'changed', before: ['migrate', 'up'], after: ['migrate', '--dry-run', 'up'], topic: 'command' },
    ]);
  });

  test('immutable fields: StatefulSet volumeClaimTemplates, serviceName; Service clusterIP and type; Job template; PVC shrink', () => {
    const before = shopManifests();
    const after = edited((ms) => {
      const pg = find(ms, 'StatefulSet', 'postgres');
      obj(pg, 'spec.volumeClaimTemplates.0.spec.resources.requests').storage = '20Gi';
      obj(pg, 'spec').serviceName = 'postgres';
      obj(find(ms, 'Service', 'postgres-headless'), 'spec').clusterIP = '10.0.0.12';
      obj(find(ms, 'Service', 'api'), 'spec').type = 'ExternalName';
      obj(find(ms, 'Job', 'migrate'), 'spec.template.spec.containers.0').image = 'ghcr.io/acme/shop-api:2.4.0';
      obj(find(ms, 'PersistentVolumeClaim', 'uploads'), 'spec.resources.requests').storage = '1Gi';
    });
    const risks = diffStacks([shopStack(before)], [shopStack(after)])[0].objects.map((o) => [`${o.kind}/${o.name}`, o.risks.map((r) => `${r.category} ${r.path}: ${r.message}`)]);
    expect(risks).toEqual([
      ['PersistentVolumeClaim/uploads', ['immutable spec.resources.requests.storage: PVC storage cannot shrink: apply fails']],
      ['StatefulSet/postgres', [
        'immutable spec.volumeClaimTemplates[data].spec.resources.requests.storage: immutable volumeClaimTemplates: kubectl apply fails; delete and recreate the object with --cascade=orphan; existing PVCs are not changed',
        'immutable spec.serviceName: immutable serviceName: kubectl apply fails; delete and recreate the object with --cascade=orphan',
      ]],
      ['Job/migrate', ['immutable spec.template.spec.containers[migrate].image: immutable Job template: kubectl apply fails; delete and recreate the object (or give the Job a new name)']],
      ['Service/api', ['immutable spec.type: Service type ClusterIP → ExternalName: the server-assigned clusterIP must be cleared; kubectl apply fails; delete and recreate the object']],
      ['Service/postgres-headless', ['immutable spec.clusterIP: immutable clusterIP: kubectl apply fails; delete and recreate the object; clients holding the old IP break']],
    ]);
  });

  test('removing a PVC, a StatefulSet or the default-deny policy is risky', () => {
    const after = shopManifests().filter((m) => !['PersistentVolumeClaim', 'StatefulSet'].includes(m.kind) && m.metadata.name !== 'default-deny');
    const objects = diffStacks([shopStack()], [shopStack(after)])[0].objects;
    expect(objects.map((o) => [o.change, `${o.kind}/${o.name}`, o.risks.map((r) => `${r.category}: ${r.message}`)])).toEqual([
      ['removed', 'NetworkPolicy/default-deny', ['network: default-deny NetworkPolicy removed: Ingress and Egress of every pod in the namespace is open']],
      ['removed', 'PersistentVolumeClaim/uploads', ['data-loss: PersistentVolumeClaim removed: a prune deletes the claim and, with a Delete reclaim policy, its data']],
      ['removed', 'StatefulSet/postgres', ['data-loss: StatefulSet removed: the store goes down; its PVCs stay until deleted by hand']],
    ]);
    expect(objects.map((o) => o.summary)).toEqual([undefined, 'uploads 5Gi', 'postgres:16.4 · 1 replica(s) · data 10Gi']);
  });

  test('a loosened security context is risky, per container and field', () => {
    const before = find(shopManifests(), 'Deployment', 'gateway');
    const after = find(edited((ms) => {
      const sc = obj(find(ms, 'Deployment', 'gateway'), 'spec.template.spec.containers.0.securityContext');
      sc.allowPrivilegeEscalation = true;
      sc.readOnlyRootFilesystem = false;
      sc.capabilities = { add: ['NET_ADMIN'], drop: ['ALL'] };
    }), 'Deployment', 'gateway');
    expect(risksOf('Deployment', before, after, [])).toEqual([
      { category: 'security', path: 'spec.template.spec.containers[gateway].securityContext', message: 'security context loosened: containers[gateway] allowPrivilegeEscalation is not false' },
      { category: 'security', path: 'spec.template.spec.containers[gateway].securityContext', message: 'security context loosened: containers[gateway] readOnlyRootFilesystem is not true' },
      { category: 'security', path: 'spec.template.spec.containers[gateway].securityContext', message: 'security context loosened: containers[gateway] adds capability NET_ADMIN' },
    ]);
  });

  test('a new workload below the restricted baseline is risky', () => {
    const pod: Manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' },
      spec: { hostNetwork: true, containers: [{ name: 'sh', image: 'busybox:1.36', securityContext: { privileged: true, runAsUser: 0 } }] },
    };
    expect([...weaknesses(pod).values()]).toEqual([
      'hostNetwork: true',
      'containers[sh] privileged: true',
      'containers[sh] allowPrivilegeEscalation is not false',
      'containers[sh] runAsNonRoot is not true',
      'containers[sh] runAsUser: 0 (root)',
      'containers[sh] readOnlyRootFilesystem is not true',
      'containers[sh] does not drop ALL capabilities',
      'containers[sh] seccompProfile is unset',
    ]);
    expect(risksOf('Pod', undefined, pod, [])[0]).toEqual({ category: 'security', path: 'spec.hostNetwork', message: 'new workload below the restricted baseline: hostNetwork: true' });
    expect(weaknesses(find(shopManifests(), 'Deployment', 'gateway')).size).toBe(0);
  });

  test('a widened NetworkPolicy is risky; a narrow new rule is not', () => {
    const before = find(shopManifests(), 'NetworkPolicy', 'postgres');
    const narrow = clone(before);
    arr(narrow, 'spec.ingress').push({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } }], ports: [{ port: 5432, protocol: 'TCP' }] });
    expect(risksOf('NetworkPolicy', before, narrow, [])).toEqual([]);
    const wide = clone(before);
    arr(wide, 'spec.ingress').push({ from: [{ namespaceSelector: {} }] });
    obj(wide, 'spec').policyTypes = ['Ingress'];
    expect(risksOf('NetworkPolicy', before, wide, [])).toEqual([
      { category: 'network', path: 'spec.policyTypes', message: 'NetworkPolicy no longer restricts Egress' },
      { category: 'network', message: 'NetworkPolicy widened: ingress from pods in every namespace on all ports' },
    ]);
    expect([...broadGrants({ policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443 }] }] })])
      .toEqual(['egress to the internet (0.0.0.0/0) on 443/TCP']);
  });

  test('a Service turned LoadBalancer, mTLS loosened and TLS dropped are risky', () => {
    const ms = shopManifests();
    const svc = find(ms, 'Service', 'gateway');
    const lb = clone(svc);
    obj(lb, 'spec').type = 'LoadBalancer';
    expect(risksOf('Service', svc, lb, [])).toEqual([{ category: 'exposure', path: 'spec.type', message: 'Service type ClusterIP → LoadBalancer: reachable from outside the cluster' }]);
    const pa = (mode: string): Manifest => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default' }, spec: { mtls: { mode } } });
    expect(risksOf('PeerAuthentication', pa('STRICT'), pa('PERMISSIVE'), [])).toEqual([{ category: 'security', path: 'spec.mtls.mode', message: 'mTLS loosened: STRICT → PERMISSIVE' }]);
    const ing = find(ms, 'Ingress', 'shop');
    const plain = clone(ing);
    delete obj(plain, 'spec').tls;
    expect(risksOf('Ingress', ing, plain, [])).toEqual([{ category: 'security', path: 'spec.tls', message: 'TLS removed for shop.berth.example.com' }]);
  });

  test('one environment against another factors out namespace, domain and env suffixes', () => {
    const dev = edited((ms) => {
      for (const m of ms) {
        const text = JSON.stringify(m).replace(/-prod\b/g, '-dev').replace(/berth\.example\.com/g, 'dev.berth.example.com');
        Object.assign(m, JSON.parse(text));
      }
      obj(find(ms, 'Deployment', 'api'), 'spec').replicas = 1;
    });
    const prod = shopManifests();
    const report = diffEnvironments([shopStack(dev, 'dev'), shopStack(prod, 'prod')], { name: 'dev', domain: 'dev.berth.example.com' }, { name: 'prod', domain: 'berth.example.com' });
    expect(report).toEqual({
      from: 'dev', to: 'prod',
      stacks: [{ env: 'dev→prod', stack: 'shop', objects: [{
        apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', change: 'changed',
        fields: [{ path: 'spec.replicas', op: 'changed', before: 1, after: 2, topic: 'scaling' }], risks: [],
      }] }],
    });
    const f = environmentNormalizer({ name: 'dev', domain: 'dev.berth.example.com' });
    expect(['shop-dev', 'auth.dev.berth.example.com', 'dist/dev/shop', '/dev/shm', 'devices', 'berth-dev-x'].map(f))
      .toEqual(['shop-{env}', 'auth.{domain}', 'dist/{env}/shop', '/dev/shm', 'devices', 'berth-{env}-x']);
  });
});

describe('diff output', () => {
  test('text: objects with their fields and risks, then the risks again', () => {
    expect(formatText(knownChange())).toBe([
      'berth diff: HEAD → working tree',
      '1 stack(s) differ: 1 added, 0 removed, 2 changed · 1 risky',
      '',
      'prod/shop',
      '  + ConfigMap/shop-flags',
      '  ~ StatefulSet/postgres',
      '      [selector] + spec.selector.matchLabels["app.kubernetes.io/component"]: database',
      `      ! immutable spec.selector.matchLabels["app.kubernetes.io/component"]: ${SELECTOR_RISK}`,
      '  ~ Deployment/api',
      '      [scaling] ~ spec.replicas: 2 → 3',
      '',
      'Risky changes (1)',
      `  ! prod/shop StatefulSet/postgres: immutable spec.selector.matchLabels["app.kubernetes.io/component"]: ${SELECTOR_RISK}`,
      '',
    ].join('\n'));
    expect(formatText(knownChange(), { color: true })).toContain('\x1b[32m+ ConfigMap/shop-flags\x1b[39m');
    expect(formatText({ from: 'HEAD', to: 'working tree', stacks: [] })).toBe('berth diff: HEAD → working tree: no differences\n');
  });

  test('markdown for a PR comment: risks first in a warning block', () => {
    expect(formatMarkdown(knownChange())).toBe([
      '## berth diff: `HEAD` → `working tree`',
      '',
      '1 stack(s) differ: 1 added, 0 removed, 2 changed · 1 risky',
      '',
      '> [!WARNING]',
      '> **1 risky change(s)**',
      '>',
      `> - \`prod/shop\` **StatefulSet/postgres** — ⚠️ **immutable** \`spec.selector.matchLabels["app.kubernetes.io/component"]\`: ${SELECTOR_RISK}`,
      '',
      '### prod/shop',
      '',
      '- ➕ **ConfigMap/shop-flags** added',
      '- ✏️ **StatefulSet/postgres** changed',
      '  - `spec.selector.matchLabels["app.kubernetes.io/component"]`: added `database` _(selector)_',
      `  - ⚠️ **immutable** \`spec.selector.matchLabels["app.kubernetes.io/component"]\`: ${SELECTOR_RISK}`,
      '- ✏️ **Deployment/api** changed',
      '  - `spec.replicas`: `2` → `3` _(scaling)_',
      '',
    ].join('\n'));
  });

  test('values: scalars as they are, structures as JSON, long values cut, multi-line strings at the first difference', () => {
    expect([formatValue('a'), formatValue(''), formatValue(3), formatValue(undefined), formatValue({ a: [1] }), formatValue('x'.repeat(120))])
      .toEqual(['a', '""', '3', '(none)', '{"a":[1]}', `${'x'.repeat(99)}…`]);
    expect(formatChange('CREATE SCHEMA a;\nCREATE SCHEMA b;\n', 'CREATE SCHEMA a;\nCREATE SCHEMA c;\nCREATE SCHEMA d;\n'))
      .toEqual(['line 2 of 3: CREATE SCHEMA b;', 'line 2 of 4: CREATE SCHEMA c;']);
    expect(formatChange('a', 'b')).toEqual(['a', 'b']);
  });
});

describe('loading dist/', () => {
  function writeDist(root: string, manifests: Manifest[], env = 'prod'): void {
    const dir = path.join(root, 'dist', env, 'shop');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const o of shopStack(manifests, env).objects) fs.writeFileSync(path.join(dir, o.file), toYaml(o.manifest));
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'kind: Kustomization\n');
  }
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' });

  /** A repository with the fixture committed, then the known change in the work tree. */
  function repo(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-diff-'));
    git(root, 'init', '-q');
    writeDist(root, shopManifests());
    git(root, 'add', '.');
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
    writeDist(root, edited((ms) => {
      obj(find(ms, 'Deployment', 'api'), 'spec').replicas = 3;
      obj(find(ms, 'StatefulSet', 'postgres'), 'spec.selector.matchLabels')['app.kubernetes.io/component'] = 'database';
      ms.push(configMap('shop-flags'));
    }));
    return root;
  }

  test('the work tree against HEAD, read with git without a checkout', () => {
    const root = repo();
    const before = loadDistAtRef('HEAD', 'dist', root);
    // In file order, as on disk.
    const fixture = shopStack();
    expect(before).toEqual([{ ...fixture, objects: [...fixture.objects].sort((a, b) => a.file.localeCompare(b.file)) }]);
    expect(diffStacks(before, loadDistDir(path.join(root, 'dist')))).toEqual(knownChange().stacks);
    expect(() => loadDistAtRef('no-such-ref', 'dist', root)).toThrow("unknown git ref 'no-such-ref'");
  });

  test('the CLI: --exit-code, --format md, --env/--vs, and exit 3 on bad input', () => {
    const root = repo();
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), cwd: root, color: false };
    expect(diffCli(['--exit-code', '--format', 'md'], io)).toBe(2);
    expect(out.join('')).toBe(formatMarkdown({ ...knownChange(), to: 'working tree' }));
    expect(diffCli(['--exit-code', '--stack', 'other'], io)).toBe(0);
    // dev: the base fixture with dev's names and domain; prod (the work tree): the known change.
    const asDev = (m: Manifest): Manifest => JSON.parse(JSON.stringify(m).replace(/-prod\b/g, '-dev').replace(/berth\.example\.com/g, 'dev.berth.example.com')) as Manifest;
    writeDist(root, shopManifests().map(asDev), 'dev');
    out.length = 0;
    // The selector change is immutable on an upgrade, not between two environments.
    expect(diffCli(['--env', 'dev', '--vs', 'prod', '--format', 'json', '--exit-code'], io)).toBe(1);
    expect(JSON.parse(out.join('')).counts).toEqual({ added: 1, removed: 0, changed: 2, risky: 0 });
    expect(diffCli(['--env', 'qa', '--vs', 'prod'], io)).toBe(3);
    expect(err.join('')).toBe("berth diff: no environment 'qa' in dist/ (working tree); found: dev, prod\nrun `npm run diff -- --help` for usage\n");
  });

  test("--env prod reads every cluster of prod; one cluster against another factors out the directory's name and the domain", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-diff-'));
    const app = (dir: string, domain: string): Manifest => ({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: `shop-${dir}`, namespace: 'argocd' },
      spec: { project: `berth-${dir}`, source: { path: `dist/${dir}/shop`, repoURL: 'https://x/y.git' }, destination: { name: dir, namespace: 'shop-prod' },
        info: [{ name: 'url', value: `https://shop.${domain}` }] },
    });
    for (const [dir, domain] of [['prod-eu-west', 'berth.example.com'], ['prod-us-east', 'us.berth.example.com']]) {
      fs.mkdirSync(path.join(root, 'dist', dir, 'argocd'), { recursive: true });
      fs.writeFileSync(path.join(root, 'dist', dir, 'argocd', '01-application-shop.yaml'), toYaml(app(dir, domain)));
    }
    execFileSync('git', ['init', '-q'], { cwd: root });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'empty'], { cwd: root });
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: root, color: false };
    expect(diffCli(['--env', 'prod', '--format', 'json'], io)).toBe(0);
    expect(JSON.parse(out.join('')).stacks.map((x: { env: string; stack: string }) => `${x.env}/${x.stack}`)).toEqual(['prod-eu-west/argocd', 'prod-us-east/argocd']);
    out.length = 0;
    expect(diffCli(['--env', 'prod-eu-west', '--vs', 'prod-us-east'], io)).toBe(0);
    expect(out.join('')).toBe('berth diff: prod-eu-west → prod-us-east\n1 stack(s) differ: 0 added, 0 removed, 1 changed\n\nprod-eu-west→prod-us-east/argocd\n'
      + '  ~ Application/shop-{env}\n      [gitops] ~ spec.destination.name: prod-eu-west → prod-us-east\n');
    expect(diffCli(['--env', 'prod', '--vs', 'dev'], io)).toBe(3);
    expect(err.join('')).toBe("berth diff: environment 'prod' has a directory per cluster: compare one of them (prod-eu-west, prod-us-east)\nrun `npm run diff -- --help` for usage\n");
  });

  test('a file that is not a Kubernetes object is named in the error', () => {
    expect(() => parseTree(new Map([['dev/shop/01-x.yaml', 'just: text\n']]))).toThrow('dev/shop/01-x.yaml: not a Kubernetes object (needs apiVersion, kind and metadata.name)');
    expect(parseTree(new Map([['dev/shop/kustomization.yaml', 'kind: Kustomization\n'], ['README.md', '#']]))).toEqual([]);
  });
});

describe('field topics, by path', () => {
  test("a Flux GitRepository's or Kustomization's spec is gitops, whatever the field's name means elsewhere", () => {
    expect([
      topicOf('spec.suspend', 'Kustomization'), topicOf('spec.dependsOn[0].name', 'Kustomization'), topicOf('spec.patches[0].patch', 'Kustomization'),
      topicOf('spec.ref.branch', 'GitRepository'), topicOf('spec.suspend', 'CronJob'), topicOf('spec.destination.name', 'Application'),
    ]).toEqual(['gitops', 'gitops', 'gitops', 'gitops', 'schedule', 'gitops']);
  });

  test('the same field has the same topic on every kind', () => {
    const label = 'metadata.labels["app.kubernetes.io/version"]';
    expect(['NetworkPolicy', 'HorizontalPodAutoscaler', 'Deployment', 'Ingress'].map((k) => topicOf(label, k))).toEqual(['metadata', 'metadata', 'metadata', 'metadata']);
    expect(['spec.replicas', 'spec.minReplicas', 'spec.maxReplicas', 'spec.metrics[0].resource.target.averageUtilization'].map((p) => topicOf(p))).toEqual(['scaling', 'scaling', 'scaling', 'scaling']);
    expect([
      'spec.template.spec.containers[api].image',
      'spec.template.spec.initContainers[wait].image',
      'spec.jobTemplate.spec.template.spec.containers[backup].image',
      'spec.containers[sh].image',
    ].map((p) => topicOf(p))).toEqual(['image', 'image', 'image', 'image']);
  });

  test('the path decides where a field name means two things', () => {
    expect(Object.fromEntries([
      // A pod template's labels are metadata; the selector that must match them is not.
      'spec.template.metadata.labels.tier', 'spec.selector.matchLabels.tier', 'spec.podSelector.matchLabels.tier',
      // Container resources, a PVC's size, a claim template's size.
      'spec.template.spec.containers[api].resources.limits.cpu', 'spec.resources.requests.storage',
      'spec.volumeClaimTemplates[data].spec.resources.requests.storage', 'spec.volumeClaimTemplates[data].metadata.labels.tier',
      // NetworkPolicy rule ports, Service and container ports.
      'spec.ingress[0].ports[0].port', 'spec.ports[http].targetPort', 'spec.template.spec.containers[api].ports[http].containerPort',
      // An exec probe's command, a preStop hook's, the container's own.
      'spec.template.spec.containers[api].livenessProbe.exec.command', 'spec.template.spec.containers[api].lifecycle.preStop.exec.command',
      'spec.template.spec.containers[api].command',
      'spec.template.spec.containers[api].env[LOG_LEVEL].value', 'spec.template.spec.containers[api].securityContext.runAsUser',
      'spec.template.spec.containers[api].volumeMounts[mountPath=/data].readOnly', 'spec.template.spec.containers[api].stdin',
      'spec.template.spec.initContainers[proxy]', 'spec.template.spec.topologySpreadConstraints', 'spec.tls[secretName=shop-tls].hosts',
      'spec.hard["requests.cpu"]', 'data.FLAG', 'spec.schedule', 'spec.type', 'spec.endpoints[0].interval', 'spec.syncPolicy.automated.prune',
      'roleRef.name', 'spec.mtls.mode', 'spec.unknown',
    ].map((p) => [p, topicOf(p)]))).toEqual({
      'spec.template.metadata.labels.tier': 'metadata',
      'spec.selector.matchLabels.tier': 'selector',
      'spec.podSelector.matchLabels.tier': 'selector',
      'spec.template.spec.containers[api].resources.limits.cpu': 'resources',
      'spec.resources.requests.storage': 'storage',
      'spec.volumeClaimTemplates[data].spec.resources.requests.storage': 'storage',
      'spec.volumeClaimTemplates[data].metadata.labels.tier': 'metadata',
      'spec.ingress[0].ports[0].port': 'network',
      'spec.ports[http].targetPort': 'ports',
      'spec.template.spec.containers[api].ports[http].containerPort': 'ports',
      'spec.template.spec.containers[api].livenessProbe.exec.command': 'probes',
      'spec.template.spec.containers[api].lifecycle.preStop.exec.command': 'availability',
      'spec.template.spec.containers[api].command': 'command',
      'spec.template.spec.containers[api].env[LOG_LEVEL].value': 'env',
      'spec.template.spec.containers[api].securityContext.runAsUser': 'security',
      'spec.template.spec.containers[api].volumeMounts[mountPath=/data].readOnly': 'storage',
      'spec.template.spec.containers[api].stdin': 'containers',
      'spec.template.spec.initContainers[proxy]': 'containers',
      'spec.template.spec.topologySpreadConstraints': 'availability',
      'spec.tls[secretName=shop-tls].hosts': 'tls',
      'spec.hard["requests.cpu"]': 'quota',
      'data.FLAG': 'config',
      'spec.schedule': 'schedule',
      'spec.type': 'service',
      'spec.endpoints[0].interval': 'monitoring',
      'spec.syncPolicy.automated.prune': 'gitops',
      'roleRef.name': 'access',
      'spec.mtls.mode': 'security',
      'spec.unknown': 'other',
    });
    // `spec.rules`: routes on an Ingress or HTTPRoute, access rules on an AuthorizationPolicy.
    expect([topicOf('spec.rules[host=a.example.com].http', 'Ingress'), topicOf('spec.rules[0].matches', 'HTTPRoute'), topicOf('spec.rules[0].from', 'AuthorizationPolicy')])
      .toEqual(['route', 'route', 'access']);
  });

  test('paths as the diff prints them split into fields and list items', () => {
    expect(shapeOf('spec.template.spec.containers[api].env[LOG_LEVEL].value')).toEqual(['spec', 'template', 'spec', 'containers', '[]', 'env', '[]', 'value']);
    expect(shapeOf('metadata.labels["app.kubernetes.io/name"]')).toEqual(['metadata', 'labels', 'app.kubernetes.io/name']);
    expect(shapeOf('spec.rules[host=a.example.com].http')).toEqual(['spec', 'rules', '[]', 'http']);
    expect(shapeOf('spec.hard["limits.cpu"]')).toEqual(['spec', 'hard', 'limits.cpu']);
  });

  test('a diff tags each field by its path: a label on a NetworkPolicy and on an HPA is metadata on both', () => {
    const after = edited((ms) => {
      for (const [kind, name] of [['NetworkPolicy', 'api'], ['HorizontalPodAutoscaler', 'gateway']]) obj(find(ms, kind, name), 'metadata.labels').tier = 'web';
      obj(find(ms, 'HorizontalPodAutoscaler', 'gateway'), 'spec').maxReplicas = 8;
    });
    expect(diffStacks([shopStack()], [shopStack(after)])[0].objects.map((o) => [`${o.kind}/${o.name}`, o.fields.map((f) => `[${f.topic}] ${f.path}`)])).toEqual([
      ['NetworkPolicy/api', ['[metadata] metadata.labels.tier']],
      ['HorizontalPodAutoscaler/gateway', ['[metadata] metadata.labels.tier', '[scaling] spec.maxReplicas']],
    ]);
  });
});

describe('lists without a key are matched by content', () => {
  const policy = (edit: (p: Manifest) => void): [Manifest, Manifest] => {
    const before = find(shopManifests(), 'NetworkPolicy', 'postgres');
    const after = clone(before);
    edit(after);
    return [before, after];
  };
  const backupRule = { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'backup' } } }], ports: [{ port: 5432, protocol: 'TCP' }] };

  test('a NetworkPolicy rule inserted first is one addition, not every rule shifted', () => {
    const [before, after] = policy((p) => { arr(p, 'spec.ingress').unshift(backupRule); });
    const fields = diffFields('NetworkPolicy', before, after);
    expect(fields).toEqual([{ path: 'spec.ingress[0]', op: 'added', after: backupRule, topic: 'network' }]);
    const report: DiffReport = { from: 'a', to: 'b', stacks: [{ env: 'prod', stack: 'shop', objects: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'postgres', change: 'changed', fields, risks: [] }] }] };
    expect(formatText(report).split('\n')[5]).toBe('      [network] + spec.ingress[0]: from pods name=backup on 5432/TCP');
  });

  test('a rule removed from the middle is one removal, at its old position', () => {
    const [before, after] = policy((p) => { arr(p, 'spec.ingress').splice(0, 1); });
    expect(diffFields('NetworkPolicy', before, after)).toEqual([
      { path: 'spec.ingress[0]', op: 'removed', before: { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'shop-prod', 'app.kubernetes.io/name': 'api' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }, topic: 'network' },
    ]);
  });

  test('a changed peer is one changed field, also when nothing else in it stayed the same', () => {
    const before = find(shopManifests(), 'NetworkPolicy', 'gateway');
    const after = clone(before);
    obj(after, 'spec.ingress.0.from.0.namespaceSelector.matchLabels')['kubernetes.io/metadata.name'] = 'istio-system';
    arr(after, 'spec.ingress').push(backupRule);
    expect(diffFields('NetworkPolicy', before, after)).toEqual([
      { path: 'spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]', op: 'changed', before: 'ingress-nginx', after: 'istio-system', topic: 'network' },
      { path: 'spec.ingress[1]', op: 'added', after: backupRule, topic: 'network' },
    ]);
  });

  test('a similar rule in the same place is changed, field by field; a peer added to a rule is one addition', () => {
    const [before, after] = policy((p) => {
      obj(p, 'spec.ingress.1.ports.0').port = 5433;
      arr(p, 'spec.ingress.0.from').push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } });
    });
    const fields = diffFields('NetworkPolicy', before, after);
    expect(fields).toEqual([
      { path: 'spec.ingress[0].from[1]', op: 'added', after: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }, topic: 'network' },
      { path: 'spec.ingress[1].ports[0].port', op: 'changed', before: 5432, after: 5433, topic: 'network' },
    ]);
    expect(fields.map((f) => formatText({ from: 'a', to: 'b', stacks: [{ env: 'e', stack: 's', objects: [{ apiVersion: 'v1', kind: 'K', name: 'n', change: 'changed', fields: [f], risks: [] }] }] }).split('\n')[5].trim())).toEqual([
      '[network] + spec.ingress[0].from[1]: namespace monitoring',
      '[network] ~ spec.ingress[1].ports[0].port: 5432 → 5433',
    ]);
  });

  test('reordered rules are one reordered change that names the moved item', () => {
    const [before, after] = policy((p) => { arr(p, 'spec.ingress').reverse(); });
    const fields = diffFields('NetworkPolicy', before, after);
    expect(fields).toEqual([{ path: 'spec.ingress', op: 'reordered', before: ['[1]'], after: ['[0]'], topic: 'network' }]);
    expect(formatMarkdown({ from: 'a', to: 'b', stacks: [{ env: 'e', stack: 's', objects: [{ apiVersion: 'v1', kind: 'K', name: 'n', change: 'changed', fields, risks: [] }] }] }))
      .toContain('  - `spec.ingress`: order `[1]` → `[0]` _(network)_');
  });

  test('a keyed list in another order is reordered by name, before the changes inside it', () => {
    const before = find(shopManifests(), 'Deployment', 'gateway');
    const after = clone(before);
    arr(after, 'spec.template.spec.initContainers').reverse();
    obj(after, 'spec.template.spec.initContainers.0').image = 'fluent/fluent-bit:3.2.0';
    expect(diffFields('Deployment', before, after)).toEqual([
      { path: 'spec.template.spec.initContainers', op: 'reordered', before: ['wait-for-api', 'log-shipper'], after: ['log-shipper', 'wait-for-api'], topic: 'containers' },
      { path: 'spec.template.spec.initContainers[log-shipper].image', op: 'changed', before: 'fluent/fluent-bit:3.1.9', after: 'fluent/fluent-bit:3.2.0', topic: 'image' },
    ]);
  });

  test('lists of scalars: a set in another order is reordered, a set change lists members, a command stays a list', () => {
    const [before, after] = policy((p) => { obj(p, 'spec').policyTypes = ['Egress', 'Ingress']; });
    expect(diffFields('NetworkPolicy', before, after)).toEqual([
      { path: 'spec.policyTypes', op: 'reordered', before: ['Ingress', 'Egress'], after: ['Egress', 'Ingress'], topic: 'network' },
    ]);
    const tls = (hosts: string[]): FieldChange => ({ path: 'spec.tls[secretName=shop-tls].hosts', op: 'changed', before: ['a.example.com', 'b.example.com'], after: hosts, topic: 'tls' });
    const cmd = (before: string[], after: string[]): FieldChange => ({ path: 'spec.template.spec.containers[smoke].command', op: 'changed', before, after, topic: 'command' });
    const script = (lines: string[]): string => lines.join('\n');
    const long = 'x'.repeat(90);
    expect([
      tls(['a.example.com', 'c.example.com']),
      // Order matters in a command: swapped arguments are a change.
      cmd(['run', '--fast'], ['--fast', 'run']),
      // Too long to show whole: the one element that differs, at its first differing line.
      cmd(['/bin/sh', '-c', script(['set -eu', `curl ${long}`, 'exit 0'])], ['/bin/sh', '-c', script(['set -eu', `wget ${long}`, 'exit 0'])]),
      // Or what was inserted, and where.
      cmd(['nexus', 'migrate', long], ['/bin/sh', '-c', 'wrap', 'nexus', 'migrate', long]),
    ].map((f) => formatText({ from: 'a', to: 'b', stacks: [{ env: 'e', stack: 's', objects: [{ apiVersion: 'v1', kind: 'K', name: 'n', change: 'changed', fields: [f], risks: [] }] }] }).split('\n')[5].trim())).toEqual([
      '[tls] ~ spec.tls[secretName=shop-tls].hosts: added c.example.com; removed b.example.com',
      '[command] ~ spec.template.spec.containers[smoke].command: ["run","--fast"] → ["--fast","run"]',
      `[command] ~ spec.template.spec.containers[smoke].command [2]: line 2 of 3: curl ${long.slice(0, 74)}… → line 2 of 3: wget ${long.slice(0, 74)}…`,
      '[command] ~ spec.template.spec.containers[smoke].command [0]: inserted ["/bin/sh","-c","wrap"]',
    ]);
  });

  test('items with a key other than name show it: volume mounts by mountPath', () => {
    const before = find(shopManifests(), 'Deployment', 'api');
    const mounts = (...paths: string[]) => paths.map((p) => ({ name: 'data', mountPath: p }));
    const a = clone(before);
    obj(a, 'spec.template.spec.containers.0').volumeMounts = mounts('/data', '/cache');
    const b = clone(before);
    obj(b, 'spec.template.spec.containers.0').volumeMounts = mounts('/data', '/tmp', '/cache');
    expect(diffFields('Deployment', a, b)).toEqual([
      { path: 'spec.template.spec.containers[api].volumeMounts[mountPath=/tmp]', op: 'added', after: { name: 'data', mountPath: '/tmp' }, topic: 'storage' },
    ]);
  });
});

describe('environments in promotion order', () => {
  test('the diff lists dev, staging, prod (then any other environment), not alphabetically', () => {
    const stacks = ['prod', 'qa', 'dev', 'staging'].map((env) => shopStack(shopManifests(), env));
    const changed = stacks.map((s) => shopStack(edited((ms) => { obj(find(ms, 'Deployment', 'api'), 'spec').replicas = 9; }), s.env));
    expect(diffStacks(stacks, changed).map((s) => s.env)).toEqual(['dev', 'staging', 'prod', 'qa']);
    expect(['prod', 'argocd-x', 'staging', 'dev'].sort(compareEnvs)).toEqual(['dev', 'staging', 'prod', 'argocd-x']);
  });

  test("an environment's clusters follow it in the order it lists them; its own name ranks with the first", () => {
    expect(PROMOTION_ORDER).toEqual(['dev', 'staging', 'prod-eu-west', 'prod-us-east']);
    expect(['prod-us-east', 'qa', 'prod', 'prod-eu-west', 'dev'].sort(compareEnvs)).toEqual(['dev', 'prod', 'prod-eu-west', 'prod-us-east', 'qa']);
    expect(['dev', 'prod', 'prod-eu-west', 'prod-us-east', 'prod-eu'].filter((d) => inEnvironment(d, 'prod'))).toEqual(['prod', 'prod-eu-west', 'prod-us-east']);
  });

  test('dist/ is read in promotion order', () => {
    const files = new Map(['prod', 'dev', 'staging'].flatMap((env) => [[`${env}/shop/00-namespace-shop.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop-${env}\n`]] as [string, string][]));
    expect(parseTree(files).map((s) => s.env)).toEqual(['dev', 'staging', 'prod']);
  });
});

describe('environment against environment is not an upgrade', () => {
  /** prod's shop with dev's names, and then what `edit` changes. */
  const asDev = (edit: (ms: Manifest[]) => void = () => undefined): Manifest[] => edited((ms) => {
    for (const m of ms) Object.assign(m, JSON.parse(JSON.stringify(m).replace(/-prod\b/g, '-dev').replace(/berth\.example\.com/g, 'dev.berth.example.com')));
    edit(ms);
  });
  const compare = (dev: Manifest[], prod: Manifest[]) => diffEnvironments([shopStack(dev, 'dev'), shopStack(prod, 'prod')], { name: 'dev', domain: 'dev.berth.example.com' }, { name: 'prod', domain: 'berth.example.com' });
  const risks = (r: DiffReport) => r.stacks.flatMap((s) => s.objects.flatMap((o) => o.risks.map((x) => `${o.kind}/${o.name} ${x.category}${x.path ? ` ${x.path}` : ''}`)));

  test('no immutable risks, and nothing removed from one environment is lost data', () => {
    // What would be immutable on an upgrade: a selector, a claim template, a Job template; a PVC and a StatefulSet only in dev.
    const dev = asDev((ms) => {
      obj(find(ms, 'StatefulSet', 'postgres'), 'spec.selector.matchLabels').tier = 'db';
      obj(find(ms, 'StatefulSet', 'postgres'), 'spec.volumeClaimTemplates.0.spec.resources.requests').storage = '1Gi';
      obj(find(ms, 'Job', 'migrate'), 'spec').backoffLimit = 1;
      obj(find(ms, 'Job', 'migrate'), 'spec.template.spec.containers.0').args = ['migrate'];
      ms.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'scratch', namespace: 'shop-dev' }, spec: { resources: { requests: { storage: '1Gi' } } } });
    });
    const report = compare(dev, shopManifests());
    expect(report.stacks[0].objects.map((o) => `${o.change} ${o.kind}/${o.name} ${o.fields.length}`)).toEqual([
      'removed PersistentVolumeClaim/scratch 0', 'changed StatefulSet/postgres 2', 'changed Job/migrate 2',
    ]);
    expect(risks(report)).toEqual([]);
    // The same changes as an upgrade of one environment are risky.
    const upgrade = diffStacks([shopStack(dev, 'dev')], [shopStack(asDev(), 'dev')]);
    expect(risks({ from: 'a', to: 'b', stacks: upgrade })).toEqual([
      'PersistentVolumeClaim/scratch data-loss',
      'StatefulSet/postgres immutable spec.selector.matchLabels.tier',
      'StatefulSet/postgres immutable spec.volumeClaimTemplates[data].spec.resources.requests.storage',
      'Job/migrate immutable spec.template.spec.containers[migrate].args',
    ]);
  });

  test('where the second environment is weaker it is still risky: security, network, exposure, PVC retention', () => {
    const prod = edited((ms) => {
      obj(find(ms, 'Deployment', 'gateway'), 'spec.template.spec.containers.0.securityContext').readOnlyRootFilesystem = false;
      obj(find(ms, 'Service', 'gateway'), 'spec').type = 'LoadBalancer';
      arr(find(ms, 'NetworkPolicy', 'api'), 'spec.ingress').push({ from: [{ namespaceSelector: {} }] });
      obj(find(ms, 'StatefulSet', 'postgres'), 'spec.persistentVolumeClaimRetentionPolicy').whenDeleted = 'Delete';
    }).filter((m) => m.metadata.name !== 'default-deny');
    expect(risks(compare(asDev(), prod))).toEqual([
      'NetworkPolicy/api network',
      'NetworkPolicy/default-deny network',
      'StatefulSet/postgres data-loss spec.persistentVolumeClaimRetentionPolicy',
      'Deployment/gateway security spec.template.spec.containers[gateway].securityContext',
      'Service/gateway exposure spec.type',
    ]);
  });
});
