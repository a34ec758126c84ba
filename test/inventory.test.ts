// The secret inventory: each environment's remote keys, with what an operator must put there.
import { ENVIRONMENTS, planFor, STACKS } from '../charts';
import { environmentInventory, environmentInventoryMarkdown, inventoryMarkdown, RemoteKeyEntry, remoteKeysOf } from '../synth/inventory';
import { fromRendered } from '../tools/lib/load';
import { renderReports } from '../tools/lib/report';
import { renderUnit } from '../synth/render';
import { formatSummary, statsOf } from '../synth/summary';

function rendered(env: string, stack: string) {
  const unit = planFor(ENVIRONMENTS, STACKS).find((u) => u.env === env && u.stack === stack)!;
  if (unit === undefined) throw new Error(`no unit ${env}/${stack}`);
  return renderUnit({ env, stack, chart: unit.build() });
}

describe('secret inventory', () => {
  test('every remote key of a stack: store credentials, provided values with their descriptions, optional ones read whole', () => {
    const entries = remoteKeysOf('todo-chatbot', rendered('prod-eu-west', 'todo-chatbot').objects.map((o) => o.manifest));
    const store = 'ClusterSecretStore/berth-prod';
    expect(entries).toEqual([
      { stack: 'todo-chatbot', externalSecret: 'auth-secret', secret: 'auth-secret', store, remoteKey: 'todo-chatbot-prod/auth-secret', property: 'BETTER_AUTH_SECRET', required: true },
      { stack: 'todo-chatbot', externalSecret: 'redis-credentials', secret: 'redis-credentials', store, remoteKey: 'todo-chatbot-prod/redis-credentials', property: 'password', required: true },
      {
        stack: 'todo-chatbot', externalSecret: 'todo-chatbot-secrets-optional', secret: 'todo-chatbot-secrets-optional', store,
        remoteKey: 'todo-chatbot-prod/todo-chatbot-secrets-optional', property: '*', required: false,
        description: 'GEMINI_API_KEY (optional): A Google Gemini API key, for the optional Gemini models',
      },
      {
        stack: 'todo-chatbot', externalSecret: 'todo-chatbot-secrets', secret: 'todo-chatbot-secrets', store, remoteKey: 'todo-chatbot-prod/todo-chatbot-secrets',
        property: 'DATABASE_URL', required: true, description: 'The Neon Postgres connection URL (postgresql+asyncpg://…): the backend, the MCP server and Better Auth use it',
      },
      {
        stack: 'todo-chatbot', externalSecret: 'todo-chatbot-secrets', secret: 'todo-chatbot-secrets', store, remoteKey: 'todo-chatbot-prod/todo-chatbot-secrets',
        property: 'OPENAI_API_KEY', required: true, description: 'The OpenAI API key the backend calls the chat model with',
      },
    ]);
    expect(inventoryMarkdown('prod', entries.slice(2, 4)).split('\n')).toEqual([
      '# Secret inventory: prod',
      '',
      '2 remote value(s) in ClusterSecretStore/berth-prod, read by the ExternalSecrets of `dist/prod/`. A required one missing fails its ExternalSecret and holds the sync; an optional one (a whole remote secret, `*`) may be missing.',
      '',
      '| stack | remote key | property | required | Secret | what it is |',
      '|---|---|---|---|---|---|',
      '| todo-chatbot | `todo-chatbot-prod/todo-chatbot-secrets-optional` | * (all) | no | todo-chatbot-secrets-optional | GEMINI_API_KEY (optional): A Google Gemini API key, for the optional Gemini models |',
      '| todo-chatbot | `todo-chatbot-prod/todo-chatbot-secrets` | `DATABASE_URL` | yes | todo-chatbot-secrets | The Neon Postgres connection URL (postgresql+asyncpg://…): the backend, the MCP server and Better Auth use it |',
      '',
    ]);
  });

  test('dev reads no secret store; the synth summary points to the inventory of each environment that does', () => {
    expect(remoteKeysOf('todo-chatbot', rendered('dev', 'todo-chatbot').objects.map((o) => o.manifest))).toEqual([]);
    const stacks = ['dev', 'prod-eu-west'].map((env) => statsOf(rendered(env, 'todo-chatbot'), 1));
    expect(formatSummary({ outdir: 'dist', stacks, phases: { build: 0, render: 0, validate: 0, write: 0 }, totalMs: 0 }).split('\n')[3])
      .toBe('secrets: prod-eu-west reads 5 remote value(s) from ClusterSecretStore/berth-prod; the inventory: npm run report → reports/prod-eu-west/secret-inventory.md');
  });

  test('an environment with several clusters: each remote value once, with the clusters that read it', () => {
    const entry = (stack: string, secret: string, property: string): RemoteKeyEntry => ({
      stack, externalSecret: secret, secret, store: 'ClusterSecretStore/berth-prod', remoteKey: `${stack}-prod/${secret}`, property, required: true,
    });
    const both = entry('shop', 'postgres-credentials', 'password');
    const onlyWest = { ...entry('giia', 'llm-credentials', 'LLM_API_KEY'), description: 'The LLM key | for ai-agent' };
    const entries = environmentInventory([
      { dir: 'prod-eu-west', entries: [both, onlyWest] },
      { dir: 'prod-us-east', entries: [both] },
    ]);
    expect(entries).toEqual([{ ...both, clusters: ['prod-eu-west', 'prod-us-east'] }, { ...onlyWest, clusters: ['prod-eu-west'] }]);
    expect(environmentInventoryMarkdown('prod', ['prod-eu-west', 'prod-us-east'], entries).split('\n')).toEqual([
      '# Secret inventory: prod, every cluster',
      '',
      '2 remote value(s) in ClusterSecretStore/berth-prod, read by the ExternalSecrets of `dist/prod-eu-west/`, `dist/prod-us-east/`. '
        + 'The clusters share the environment\'s keys, so the store holds each value once; each cluster\'s own list is in `<cluster>/secret-inventory.md`. '
        + 'A required one missing fails its ExternalSecret and holds the sync; an optional one (a whole remote secret, `*`) may be missing.',
      '',
      '| stack | remote key | property | required | Secret | clusters | what it is |',
      '|---|---|---|---|---|---|---|',
      '| shop | `shop-prod/postgres-credentials` | `password` | yes | postgres-credentials | all | a credential: a strong random value |',
      '| giia | `giia-prod/llm-credentials` | `LLM_API_KEY` | yes | llm-credentials | prod-eu-west | The LLM key \\| for ai-agent |',
      '',
    ]);
  });

  test('npm run report writes the roll-up of prod\'s clusters beside each cluster\'s own list, and links it from the index', async () => {
    const stacks = fromRendered(['prod-eu-west', 'prod-us-east'].map((dir) => rendered(dir, 'todo-chatbot')));
    const files = await renderReports(stacks, 'dist/');
    expect([...files.keys()].filter((f) => f.includes('secret-inventory'))).toEqual([
      'prod-eu-west/secret-inventory.md', 'prod-eu-west/secret-inventory.json', 'prod-us-east/secret-inventory.md', 'prod-us-east/secret-inventory.json',
      'prod/secret-inventory.md', 'prod/secret-inventory.json',
    ]);
    const perCluster = remoteKeysOf('todo-chatbot', stacks[0].objects.map((o) => o.manifest));
    expect(JSON.parse(files.get('prod/secret-inventory.json')!)).toEqual(perCluster.map((e) => ({ ...e, clusters: ['prod-eu-west', 'prod-us-east'] })));
    expect(files.get('index.html')).toContain('<p>Secret store of prod, every cluster: 5 remote value(s), listed once in <a href="prod/secret-inventory.md">prod/secret-inventory.md</a> (and <code>.json</code>).</p>');
    // One cluster alone (npm run report -- --env prod-eu-west) has nothing to roll up.
    const one = await renderReports(stacks.slice(0, 1), 'dist/');
    expect([...one.keys()].filter((f) => f.startsWith('prod/'))).toEqual([]);
    expect(one.get('index.html')).not.toContain('every cluster');
  });
});
