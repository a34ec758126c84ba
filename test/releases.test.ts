// Release files: versions are data per environment, checked at synth with the file and the key.
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { App } from 'cdk8s';
import { EnvironmentConfig, planFor, STACKS, StackChart, StackDefinition } from '../charts';
import { dev, ENVIRONMENTS, prod, staging } from '../charts/environments';
import { checkRelease, parseReleaseYaml, readRelease, Release, releaseOf, renovateMarkers } from '../charts/releases';
import { MigrationJob } from '../constructs/migration-job';
import { WebService } from '../constructs/web-service';
import { get, one, problemsOf, synth } from './util';

const root = path.join(__dirname, '..');
const ids = STACKS.map((s) => s.id);
const withImages = (env: EnvironmentConfig, images: Partial<EnvironmentConfig['images']>): EnvironmentConfig => ({ ...env, images: { ...env.images, ...images } });

/** One stack, `web`, with the services `api` (a release-managed repository) and `pinned` (its own tag). */
const web: StackDefinition = {
  id: 'web',
  build: (chart) => {
    const api = new WebService(chart, 'api', { image: 'acme/api', ports: [{ name: 'http', port: 8080 }] });
    new WebService(chart, 'pinned', { image: 'ghcr.io/acme/pinned:2.0.0', ports: [{ name: 'http', port: 8080 }] });
    new MigrationJob(chart, 'migrate', { image: api.image, command: ['migrate'] });
  },
};
/** The built `web` stack of `env` with `yaml` as its release file. */
const webOf = (env: EnvironmentConfig, yaml: string) => {
  // The reference environments route nexus through Istio; this plan has no nexus.
  const plain = { ...env, gateway: { ...env.gateway, overrides: {} } };
  const unit = planFor([plain], [web], { releases: { [env.name]: yaml } }).find((u) => u.stack === 'web')!;
  return synth(unit.build());
};
const imageOf = (out: ReturnType<typeof synth>, name: string): unknown => get(one(out, 'Deployment', name), 'spec', 'template', 'spec', 'containers', 0, 'image');

describe('release files: what they hold', () => {
  test('the registry of the environment, the repository of the stack, the version of the file', () => {
    const out = webOf(staging, 'web:\n  api: 1.4.2\n');
    expect(imageOf(out, 'api')).toBe('registry.example.com/acme/api:1.4.2');
    // An image that names its version (and registry) is used as given.
    expect(imageOf(out, 'pinned')).toBe('ghcr.io/acme/pinned:2.0.0');
    // The migration runs the service's own image.
    expect(get(out.find((m) => m.kind === 'Job'), 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe('registry.example.com/acme/api:1.4.2');
  });

  test('@default images.registry: none, the repository as the stack names it (a local build in dev)', () => {
    expect(imageOf(webOf(dev, 'web:\n  api: latest\n'), 'api')).toBe('acme/api:latest');
  });

  test('a digest, and a tag with its digest', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    expect(imageOf(webOf(staging, `web:\n  api: ${digest}\n`), 'api')).toBe(`registry.example.com/acme/api@${digest}`);
    expect(imageOf(webOf(staging, `web:\n  api: 1.4.2@${digest}\n`), 'api')).toBe(`registry.example.com/acme/api:1.4.2@${digest}`);
  });

  test('the version label is on the workload and its pod template only', () => {
    const out = webOf(staging, 'web:\n  api: 1.4.2\n');
    const versioned = out.filter((m) => (m.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/version'] !== undefined && m.metadata.name?.startsWith('api'));
    expect(versioned.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(['Deployment/api']);
    expect(get(one(out, 'Deployment', 'api'), 'spec', 'template', 'metadata', 'labels', 'app.kubernetes.io/version')).toBe('1.4.2');
  });

  test('every container pulls as the environment says', () => {
    const pulls = (env: EnvironmentConfig) => webOf(env, `web:\n  api: ${env.name === 'dev' ? 'latest' : '1.4.2'}\n`)
      .flatMap((m) => [m.kind === 'Job' ? get(m, 'spec', 'template', 'spec') : get(m, 'spec', 'template', 'spec')])
      .filter((spec) => spec !== undefined)
      .flatMap((spec) => [...(spec.initContainers ?? []), ...spec.containers].map((c: { imagePullPolicy?: string }) => c.imagePullPolicy));
    expect(new Set(pulls(dev))).toEqual(new Set(['IfNotPresent']));
    expect(new Set(pulls(prod))).toEqual(new Set(['Always']));
  });
});

describe('release files: what they refuse, naming the file and the key', () => {
  test('a service the file does not name, and an entry that names no service', () => {
    expect(problemsOf(() => webOf(staging, 'web:\n  apii: 1.4.2\n  pinned: 2.0.0\n'))).toEqual([
      "[releases/staging.yaml] 'web.api' must give the version of acme/api that web-staging/api runs (npm run release -- set staging web/api <tag|digest>), received nothing",
      "[releases/staging.yaml] 'web.apii' is not a service of web that takes its version from the release; did you mean 'api'?; remove it, received \"1.4.2\"",
      "[releases/staging.yaml] 'web.pinned' is not a service of web that takes its version from the release (those are: api); remove it, received \"2.0.0\"",
    ]);
  });

  test('a stack the plan lacks, a bad version, a number, a list, and the environment\'s pinning', () => {
    const yaml = ['wbe:', '  api: 1.0.0', 'web:', '  api: 1.4.2 beta', '  a: 1.10', '  b: [1]', '  c: latest', '  d: 1.0.0@sha256:abc', ''].join('\n');
    expect(problemsOf(() => webOf(staging, yaml))).toEqual([
      "[releases/staging.yaml] 'wbe' is not a stack; did you mean 'web'?",
      "[releases/staging.yaml] 'web.api' must be a tag (at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'), a digest (sha256:<64 hex digits>) or <tag>@<digest>, received \"1.4.2 beta\"",
      "[releases/staging.yaml] 'web.a' must be a string: quote it ('1.1' as written), YAML reads an unquoted 1.1 as a number, received 1.1",
      "[releases/staging.yaml] 'web.b' must be a version string: a tag, a digest or <tag>@<digest>, received [1]",
      "[releases/staging.yaml] 'web.c' must be a tag other than 'latest', or a digest (staging pins images: images.pin 'tag'), received \"latest\"",
      "[releases/staging.yaml] 'web.d' must have a digest such as 'sha256:<64 lowercase hex digits>' after '@', received \"1.0.0@sha256:abc\"",
    ]);
  });

  test("images.pin 'digest' refuses a tag alone; 'mutable' takes latest", () => {
    const pinned = withImages(prod, { pin: 'digest' });
    expect(problemsOf(() => webOf(pinned, 'web:\n  api: 1.4.2\n'))).toEqual([
      "[releases/prod.yaml] 'web.api' must name a digest, as sha256:<digest> or <tag>@sha256:<digest> (prod pins images by digest: images.pin 'digest'), received \"1.4.2\"",
    ]);
    expect(imageOf(webOf(pinned, `web:\n  api: 1.4.2@sha256:${'d'.repeat(64)}\n`), 'api')).toBe(`registry.example.com/acme/api:1.4.2@sha256:${'d'.repeat(64)}`);
    expect(imageOf(webOf(dev, 'web:\n  api: latest\n'), 'api')).toBe('acme/api:latest');
  });

  test('a file that is missing, not YAML, or not a mapping', () => {
    expect(problemsOf(() => readRelease({ ...dev, name: 'qa' }, ids, root))).toEqual([
      "[releases/qa.yaml] must exist: it gives the version of every service in qa (npm run release -- set qa <stack>/<service> <tag|digest>), received nothing",
    ]);
    expect(problemsOf(() => releaseOf(dev, ids, 'web:\n  api: 1\n  api: 2\n'))).toEqual([
      '[releases/dev.yaml] is not valid YAML: Map keys must be unique at line 3, column 3:',
    ]);
    expect(problemsOf(() => releaseOf(dev, ids, '- web\n'))).toEqual([
      "[releases/dev.yaml] '(file)' must be a mapping of stacks to their services' versions, received [\"web\"]",
    ]);
    expect(releaseOf(dev, ids, '# nothing yet\n').versions).toEqual({});
  });

  test("a '# renovate: image=' line that names another image than the entry runs", () => {
    expect(problemsOf(() => webOf(staging, 'web:\n  # renovate: image=registry.example.com/acme/apii\n  api: 1.4.2\n'))).toEqual([
      "[releases/staging.yaml] 'web.api' has a '# renovate: image=' line naming registry.example.com/acme/apii, but web-staging/api runs registry.example.com/acme/api: Renovate would look up the wrong image; write image=registry.example.com/acme/api, received \"registry.example.com/acme/apii\"",
    ]);
  });

  test('@default releasesFrom: none; the reference prod takes its versions from staging', () => {
    expect(ENVIRONMENTS.map((e) => [e.name, e.releasesFrom])).toEqual([['dev', undefined], ['staging', undefined], ['prod', 'staging']]);
    // The release command checks the name when it promotes; here, that it names one of them.
    expect(ENVIRONMENTS.every((e) => e.releasesFrom === undefined || ENVIRONMENTS.some((o) => o.name === e.releasesFrom && o !== e))).toBe(true);
  });

  test('@default images: dev local builds pulled IfNotPresent; staging and prod from the registry, pinned, pulled Always', () => {
    expect(ENVIRONMENTS.map((e) => e.images)).toEqual([
      { pin: 'mutable', pullPolicy: 'IfNotPresent' },
      { registry: 'registry.example.com', pin: 'tag', pullPolicy: 'Always' },
      { registry: 'registry.example.com', pin: 'tag', pullPolicy: 'Always' },
    ]);
  });
});

describe('the reference release files', () => {
  const texts = Object.fromEntries(ENVIRONMENTS.map((e) => [e.name, fs.readFileSync(path.join(root, 'releases', `${e.name}.yaml`), 'utf-8')]));

  test('no image version is left in charts/stacks/*.ts', () => {
    const dir = path.join(root, 'charts', 'stacks');
    const versions = fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf-8').split('\n')
      .filter((l) => /image:\s*['`][^'`]*[:@][^'`]*['`]/.test(l)).map((l) => `${f}: ${l.trim()}`));
    expect(versions).toEqual([]);
  });

  test('dev names the local builds as the plans build them', () => {
    const v = releaseOf(dev, ids, texts.dev).versions;
    expect([v.giia['auth-service'], v['todo-chatbot'].backend, v['todo-app'].frontend]).toEqual(['latest', 'v1.0.0', 'latest']);
  });

  test('releases/schema.json (for editors) agrees with the synth\'s check', () => {
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(path.join(root, 'releases', 'schema.json'), 'utf-8')));
    const corpus: [string, boolean][] = [
      ['shop:\n  user: 1.0.0\n', true],
      [`shop:\n  user: sha256:${'a'.repeat(64)}\n`, true],
      [`shop:\n  user: v2_rc.1@sha256:${'a'.repeat(64)}\n`, true],
      ['', true],
      ['shop:\n  user: 1.10\n', false],
      ['shop:\n  user: 1.0.0 beta\n', false],
      ['shop:\n  user: -1.0\n', false],
      ['shop:\n  user: 1.0.0@sha256:abc\n', false],
      ['shop: [user]\n', false],
      ['- shop\n', false],
    ];
    for (const [yaml, ok] of corpus) {
      const data = parseReleaseYaml('t.yaml', yaml);
      let synthOk = true;
      try {
        checkRelease('t.yaml', data, dev, ids);
      } catch {
        synthOk = false;
      }
      expect([yaml, validate(data ?? null), synthOk]).toEqual([yaml, ok, ok]);
    }
  });

  test("renovate.json's regex reads every marked entry: the image and the version the synth reads", () => {
    const config = JSON.parse(fs.readFileSync(path.join(root, 'renovate.json'), 'utf-8')) as {
      customManagers: { managerFilePatterns: string[]; matchStrings: string[] }[];
    };
    const manager = config.customManagers[0];
    const files = new RegExp(manager.managerFilePatterns[0].slice(1, -1));
    expect(['releases/staging.yaml', 'releases/prod.yaml', 'charts/stacks/nexus.ts'].map((f) => files.test(f))).toEqual([true, true, false]);
    // Renovate applies each matchString globally.
    const found = [...texts.staging.matchAll(new RegExp(manager.matchStrings[0], 'g'))].map((m) => `${m.groups!.depName} ${m.groups!.currentValue}`);
    const release = releaseOf(staging, ids, texts.staging);
    const expected = [...renovateMarkers(texts.staging)].map(([key, image]) => {
      const [stack, service] = key.split('.');
      return `${image} ${release.versionOf(stack, service)}`;
    });
    expect(found).toEqual(expected);
    expect(found).toHaveLength(20);
    expect(found[0]).toBe('registry.example.com/giia/auth-service 1.0.0');
    // The digest, when an entry has one.
    const m = new RegExp(manager.matchStrings[0]).exec(`shop:\n  # renovate: image=r/shop/user\n  user: 1.0.0@sha256:${'e'.repeat(64)}\n`);
    expect([m?.groups?.currentValue, m?.groups?.currentDigest]).toEqual(['1.0.0', `sha256:${'e'.repeat(64)}`]);
  });

  test("Flux's image automation setter: a '# {\"$imagepolicy\": …}' comment on the entry survives the synth's check and is rewritten in place", () => {
    const text = 'shop:\n  user: 1.0.0 # {"$imagepolicy": "flux-system:shop-user:tag"}\n';
    expect(releaseOf(staging, ids, text).versionOf('shop', 'user')).toBe('1.0.0');
    // What the setter does: replace the scalar before the marker with the policy's latest tag.
    const bumped = text.replace(/(\S+)(\s+# \{"\$imagepolicy": "[^"]+:tag"\})/, '1.0.1$2');
    expect(releaseOf(staging, ids, bumped).versionOf('shop', 'user')).toBe('1.0.1');
  });

  test('a stack chart outside a plan has no release: images are used as given', () => {
    const chart = new StackChart(new App(), 'shop', staging);
    const svc = new WebService(chart, 'web', { image: 'ghcr.io/acme/web:1.0.0', ports: [{ name: 'http', port: 80 }] });
    expect(svc.image).toBe('ghcr.io/acme/web:1.0.0');
    expect(new Release(staging, 'releases/staging.yaml', {}).versionOf('shop', 'web')).toBeUndefined();
  });
});
