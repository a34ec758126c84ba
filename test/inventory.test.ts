// The secret inventory: each environment's remote keys, with what an operator must put there.
import { ENVIRONMENTS, planFor, STACKS } from '../charts';
import { inventoryMarkdown, remoteKeysOf } from '../synth/inventory';
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
});
