/**
 * A real PACS for tests: Debian's Orthanc (/usr/sbin/Orthanc) with its DICOMweb plugin, in a child
 * process on 127.0.0.1, so tests can have a standard DICOMweb client send to the API (STOW-RS) or
 * a standard DICOMweb server receive from it.
 *
 * Exported API (kept stable: other tests depend on it):
 *
 *   const orthanc = await startOrthanc();
 *   orthanc.url          // 'http://127.0.0.1:<port>', Orthanc's REST API root
 *   orthanc.dicomWebUrl  // `${url}/dicom-web/`, its DICOMweb root (QIDO/WADO/STOW-RS)
 *   orthanc.username / orthanc.password   // HTTP basic auth, generated per start
 *   await orthanc.rest('/instances', { method: 'POST', body })  // fetch with the basic auth added
 *   await orthanc.stop() // kills the process, removes its storage and log
 *
 * Each start gets a free port, a temporary storage directory and fresh credentials; the DICOM
 * (DIMSE) server is disabled, as nothing here speaks it. Orthanc's log goes to a file in the
 * temporary directory and is put in the error when startup fails. When Orthanc or the plugin is
 * missing, startOrthanc throws naming the Debian packages to install, so such tests fail rather
 * than pass by skipping (.ci/run installs them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface StartOrthancOptions {
  /** Extra top-level configuration merged over the harness's own (e.g. { DicomWeb: {...} } keys). */
  config?: Record<string, unknown>;
  /** How long to wait for /system to answer (default 30 s). */
  readyTimeoutMs?: number;
}

export interface OrthancProcess {
  /** REST API root, no trailing slash. */
  url: string;
  /** DICOMweb root, with the trailing slash DICOMweb clients expect. */
  dicomWebUrl: string;
  username: string;
  password: string;
  /** fetch against Orthanc with HTTP basic auth; `path` is absolute ('/instances') or a full URL. */
  rest(path: string, init?: RequestInit): Promise<Response>;
  /** Orthanc's log so far (for failure messages). */
  log(): Promise<string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function assertInstalled(): Promise<void> {
  for (const path of [ORTHANC_BINARY, DICOMWEB_PLUGIN]) {
    try {
      await access(path);
    } catch {
      throw new Error(
        `${path} is missing: these tests need Debian's Orthanc with its DICOMweb plugin ` +
          `(apt-get install orthanc orthanc-dicomweb; .ci/run does)`,
      );
    }
  }
}

/** A port the OS says is free now; Orthanc cannot be given port 0, so a race is retried by the caller. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

async function waitReady(
  child: ChildProcess,
  url: string,
  authorization: string,
  timeoutMs: number,
): Promise<'ready' | 'exited'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    try {
      const res = await fetch(`${url}/system`, { headers: { authorization } });
      if (res.ok) {
        await res.body?.cancel();
        return 'ready';
      }
      await res.body?.cancel();
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Orthanc did not answer ${url}/system within ${timeoutMs} ms`);
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

export async function startOrthanc(o: StartOrthancOptions = {}): Promise<OrthancProcess> {
  await assertInstalled();
  const dir = await mkdtemp(join(tmpdir(), 'bsnet-orthanc-'));
  const storage = join(dir, 'storage');
  await mkdir(storage);
  let logFile = join(dir, 'orthanc-1.log');
  const username = `test-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const authorization = basicAuth(username, password);
  const readLog = () => readFile(logFile, 'utf8').catch(() => '(no log written)');

  // Another process may take the port between freePort() and Orthanc's bind: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    logFile = join(dir, `orthanc-${attempt}.log`);
    const config = {
      Name: `bsnet-test-${port}`,
      StorageDirectory: storage,
      IndexDirectory: storage,
      TemporaryDirectory: dir,
      Plugins: [DICOMWEB_PLUGIN],
      HttpServerEnabled: true,
      HttpPort: port,
      DicomServerEnabled: false,
      // Orthanc binds all interfaces; RemoteAccessAllowed stays false so only 127.0.0.1 is served.
      RemoteAccessAllowed: false,
      AuthenticationEnabled: true,
      RegisteredUsers: { [username]: password },
      // Our API is plain HTTP on 127.0.0.1 in tests; peers are never HTTPS here.
      HttpsVerifyPeers: false,
      HttpTimeout: 60,
      // The test decides what is stored; nothing is recycled under it.
      MaximumStorageSize: 0,
      MaximumPatientCount: 0,
      StableAge: 1,
      DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Host: '127.0.0.1', Ssl: false },
      ...o.config,
    };
    const configPath = join(dir, 'orthanc.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const child = spawn(ORTHANC_BINARY, [`--logfile=${logFile}`, '--no-jobs', configPath], {
      cwd: dir,
      stdio: 'ignore',
    });
    const url = `http://127.0.0.1:${port}`;
    let state: 'ready' | 'exited';
    try {
      state = await waitReady(child, url, authorization, o.readyTimeoutMs ?? 30_000);
    } catch (error) {
      await killAndWait(child);
      const log = await readLog();
      await rm(dir, { recursive: true, force: true });
      throw new Error(`${(error as Error).message}\nOrthanc log:\n${log}`);
    }
    if (state === 'exited') {
      const log = await readLog();
      if (attempt < 3 && /address already in use|cannot bind|port/i.test(log)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`Orthanc exited (${child.exitCode ?? child.signalCode}) before it was ready\nOrthanc log:\n${log}`);
    }
    return {
      url,
      dicomWebUrl: `${url}/dicom-web/`,
      username,
      password,
      rest(path, init = {}) {
        const headers = new Headers(init.headers);
        headers.set('authorization', authorization);
        return fetch(path.startsWith('http') ? path : `${url}${path}`, { ...init, headers });
      },
      log: readLog,
      child,
      async stop() {
        await killAndWait(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
