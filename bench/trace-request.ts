/**
 * Lists the source files a single request runs through: V8's precise coverage is reset after a
 * warm-up and read after one measured request, so only files with a function called by that
 * request count; files whose exported constants were merely read are listed apart. Default: a
 * Group PATCH adding one member (docs/ARCHITECTURE.md quotes it).
 * Usage: `npx tsx bench/trace-request.ts` (starts its own in-memory DynamoDB Local).
 */
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createAuthenticator } from '../lambdas/auth/authenticator';
import { sha256Hex } from '../lambdas/auth/token-hash';
import { staticTokenSource } from '../lambdas/auth/token-source';
import { createGroupsHandler } from '../lambdas/handlers/groups';
import { createUsersHandler } from '../lambdas/handlers/users';
import type { LambdaHandler } from '../lambdas/http/handler';
import { createRuntime } from '../lambdas/runtime';
import { createDocumentClient } from '../lambdas/store/client';
import { ensureTable } from '../lambdas/store/ensure-table';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { buildProxyEvent } from '../local/http-server';

const ROOT = relative(process.cwd(), `${__dirname}/..`) || '.';
const TOKEN = 'trace-token-0123456789abcdef0123456789abcdef';

async function main(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  try {
    const admin = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(admin, 'trace');
    admin.destroy();
    const runtime = createRuntime({
      authenticate: createAuthenticator(
        staticTokenSource({
          tokens: [
            {
              id: 't1',
              tenant: 'trace',
              label: 'trace',
              sha256: sha256Hex(TOKEN),
              createdAt: new Date().toISOString(),
            },
          ],
        }),
      ),
      db: createDocumentClient({ endpoint: dynamo.endpoint }),
      tableName: 'trace',
    });
    const users = createUsersHandler(() => runtime);
    const groups = createGroupsHandler(() => runtime);
    const call = async (
      handler: LambdaHandler,
      method: string,
      path: string,
      resource: string,
      id: string | undefined,
      body: unknown,
    ) => {
      const url = new URL(`http://127.0.0.1/scim/v2${path}`);
      const text = body === undefined ? '' : JSON.stringify(body);
      const event = buildProxyEvent({
        method,
        url,
        rawHeaders: [
          'Host',
          url.host,
          'Authorization',
          `Bearer ${TOKEN}`,
          ...(text ? ['Content-Type', 'application/scim+json'] : []),
        ],
        body: text,
        resource: `/scim/v2${resource}`,
        pathParameters: id ? { id } : {},
      });
      const result: APIGatewayProxyResult = await handler(event);
      if (result.statusCode >= 300) throw new Error(`${method} ${path}: ${result.statusCode} ${result.body}`);
      return result.body ? (JSON.parse(result.body) as { id: string }) : undefined;
    };
    const user = (name: string) =>
      call(users, 'POST', '/Users', '/Users', undefined, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: name,
      });
    const group = await call(groups, 'POST', '/Groups', '/Groups', undefined, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Trace',
    });
    const addMember = (userId: string) =>
      call(groups, 'PATCH', `/Groups/${group?.id}`, '/Groups/{id}', group?.id, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
      });
    const warm = await user('warm@example.com');
    const measured = await user('measured@example.com');
    await addMember(warm?.id ?? '');

    const session = new Session();
    session.connect();
    await session.post('Debugger.enable');
    await session.post('Profiler.enable');
    await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    await session.post('Profiler.takePreciseCoverage'); // resets the counts
    await addMember(measured?.id ?? '');
    const { result } = await session.post('Profiler.takePreciseCoverage');
    await session.post('Profiler.stopPreciseCoverage');

    const touched = result
      .filter((script) => script.url.startsWith('file:') && !script.url.includes('/node_modules/'))
      .filter((script) => relative(ROOT, fileURLToPath(script.url)).startsWith('lambdas/'))
      .filter((script) => script.functions.some((f) => f.ranges.some((r) => r.count > 0)));
    const rows: { file: string; ranCode: boolean }[] = [];
    for (const script of touched) {
      const { scriptSource } = await session.post('Debugger.getScriptSource', { scriptId: script.scriptId });
      const getters = exportGetterRange(scriptSource);
      const ranCode = script.functions.some((f) => {
        const whole = f.ranges[0];
        if (!whole || whole.count === 0) return false;
        const text = scriptSource.slice(whole.startOffset, whole.endOffset);
        const inExportBlock = whole.startOffset >= getters.start && whole.endOffset <= getters.end;
        return !(text === '()=>from[key]' || (inExportBlock && /^\(\)=>[\w$]+$/.test(text)));
      });
      rows.push({ file: relative(ROOT, fileURLToPath(script.url)), ranCode });
    }
    rows.sort((a, b) => a.file.localeCompare(b.file));
    const ran = rows.filter((row) => row.ranCode);
    const read = rows.filter((row) => !row.ranCode);
    console.log(`Group PATCH adding one member ran code in ${ran.length} files of lambdas/:`);
    for (const row of ran) console.log(`  ${row.file}`);
    console.log(`and only read exported constants of ${read.length} more:`);
    for (const row of read) console.log(`  ${row.file}`);
    session.disconnect();
    runtime.db.destroy();
  } finally {
    await dynamo.stop();
  }
}

/**
 * Where tsx's CommonJS output keeps a module's export getters (`__export(x_exports, { name:
 * () => name, … })`): calling one only reads a binding, it runs none of the file's code. The
 * other generated getter, `() => from[key]` in `__copyProps`, is recognised by its text.
 */
function exportGetterRange(source: string): { start: number; end: number } {
  const start = source.indexOf('__export(');
  if (start < 0) return { start: -1, end: -1 };
  return { start, end: source.indexOf('});', start) + 3 };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
