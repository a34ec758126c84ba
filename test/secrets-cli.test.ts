// `npm run secrets`: an operator's local values into the cluster, refused when one is missing,
// and never printed, written to dist/ or logged unless asked for.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'dotenv';
import { secretsCli } from '../tools/lib/secrets-cli';
import { tmpdir } from './util';

const ROOT = path.join(__dirname, '..');
const FIXTURE = 'test/fixtures/secrets/dev/todo-chatbot.env';
const fixtureValues = Object.values(parse(fs.readFileSync(path.join(ROOT, FIXTURE))));

function cli(argv: string[], kubectl?: (args: readonly string[], input: string) => { status: number; stdout: string; stderr: string }) {
  let stdout = '';
  let stderr = '';
  const code = secretsCli(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, cwd: ROOT, ...(kubectl ? { kubectl } : {}) });
  return { code, stdout, stderr };
}

describe('npm run secrets', () => {
  test('--dry-run shows the Secret it would apply, with no value in its output', () => {
    const r = cli(['dev', 'todo-chatbot', '--file', FIXTURE, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  DATABASE_URL: '<107 bytes from test/fixtures/secrets/dev/todo-chatbot.env>'\n");
    expect(r.stdout).toContain('    argocd.argoproj.io/compare-options: IgnoreExtraneous\n');
    for (const v of fixtureValues) {
      expect(r.stdout + r.stderr).not.toContain(v);
      expect(r.stdout + r.stderr).not.toContain(Buffer.from(v).toString('base64'));
    }
  });

  test('applies with kubectl server-side, on stdin, and reports names only', () => {
    const calls: { args: readonly string[]; input: string }[] = [];
    const r = cli(['dev', 'todo-chatbot', '--file', FIXTURE, '--context', 'kind-dev'], (args, input) => {
      calls.push({ args, input });
      return { status: 0, stdout: 'secret/todo-chatbot-secrets serverside-applied\n', stderr: '' };
    });
    expect(r).toEqual({
      code: 0, stderr: '',
      stdout: 'berth secrets: applied Secret todo-chatbot-secrets in todo-chatbot-dev (DATABASE_URL, OPENAI_API_KEY; not set: GEMINI_API_KEY)\n',
    });
    expect(calls[0].args).toEqual(['--context', 'kind-dev', 'apply', '--server-side', '--field-manager=berth-secrets', '-f', '-']);
    expect(calls[0].input).toContain(`DATABASE_URL: ${Buffer.from(fixtureValues[0]).toString('base64')}\n`);
    expect(calls[0].input).not.toContain('app.kubernetes.io/instance');
  });

  test('a missing required value, an unknown one and a misspelt one are refused, by name; nothing is applied', () => {
    const dir = tmpdir('berth-secrets-');
    fs.writeFileSync(path.join(dir, 'v.env'), 'OPENAI_API_KE=sk-x\nGEMINI_API_KEY=\nSTRIPE_KEY=x\n');
    const r = cli(['dev', 'todo-chatbot', '--file', path.join(dir, 'v.env')], () => { throw new Error('kubectl must not run'); });
    expect(r.code).toBe(1);
    expect(r.stderr.replaceAll(dir, '<dir>')).toBe([
      'berth secrets: refused: 4 problem(s); nothing was applied',
      "  <dir>/v.env: 'OPENAI_API_KE' is not a value of todo-chatbot; did you mean 'OPENAI_API_KEY'?",
      "  <dir>/v.env: 'STRIPE_KEY' is not a value of todo-chatbot (values of todo-chatbot: DATABASE_URL, OPENAI_API_KEY, GEMINI_API_KEY)",
      '  <dir>/v.env: DATABASE_URL is required and missing (The Neon Postgres connection URL (postgresql+asyncpg://…): the backend, the MCP server and Better Auth use it)',
      '  <dir>/v.env: OPENAI_API_KEY is required and missing (The OpenAI API key the backend calls the chat model with)',
      '',
    ].join('\n'));
  });

  test('outside dev it lists the remote keys to fill instead; a stack without provided values has nothing to do', () => {
    expect(cli(['prod', 'giia']).stdout).toBe([
      "berth secrets: in prod, giia's values come from a secret store, not a local file:",
      '  LLM_API_KEY: The API key of the LLM provider ai-agent calls over HTTPS',
      '    add them as properties of giia-prod/llm-credentials in ClusterSecretStore berth-prod',
      '',
    ].join('\n'));
    expect(cli(['dev', 'shop']).stdout).toBe('berth secrets: dev/shop declares no values an operator supplies; nothing to do\n');
  });

  test('usage: two positionals, known names, --help', () => {
    expect(cli(['dev']).code).toBe(2);
    expect(cli(['dev', 'todo-chatbo']).stderr.split('\n')[0]).toBe("berth secrets: 'todo-chatbo' is not a stack; did you mean 'todo-chatbot'?");
    expect(cli(['--help'])).toEqual({ code: 0, stdout: expect.stringMatching(/^usage: npm run secrets -- <env> <stack>/), stderr: '' });
  });

  test("no value of the fixture is anywhere in the repository but the fixture (dist/ included)", () => {
    for (const v of fixtureValues) {
      const r = spawnSync('git', ['grep', '-l', '-F', v, '--', '.', `:!${FIXTURE}`], { cwd: ROOT, encoding: 'utf-8' });
      expect(r.stdout).toBe('');
    }
  });
});
