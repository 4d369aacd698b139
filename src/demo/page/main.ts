/**
 * The demo page: plays the webview. Connects to the demo host over WebSocket
 * (token from the URL fragment, presented in the upgrade request), exposes the
 * client as `window.capwire`, and drives a file browser, the granted program,
 * denied calls and a live message inspector.
 *
 * Bundled by scripts/build.mjs into dist/demo/page/app.js with the client
 * import left external as "/capwire.js" (the browser build of the client).
 * Everything on screen is set with textContent: file names come from disk.
 */
import {
  bodyOf,
  type CapwireError,
  Client,
  decodeFrame,
  ERROR_CODES,
  type Transport,
  type TransportEvents,
  WebSocketTransport,
} from '../../browser/entry.js';

interface DemoInfo {
  readonly workspace: string;
  readonly origin: string;
  readonly policySource: string;
  readonly policy: string;
}

declare global {
  interface Window {
    capwire?: Client;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page: #${id} missing`);
  return element as T;
};

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', className = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// ---------- bytes <-> base64 / text ----------

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const utf8 = { encode: (text: string) => new TextEncoder().encode(text), decode: (bytes: Uint8Array) => new TextDecoder().decode(bytes) };

// ---------- message inspector ----------

interface Row {
  readonly direction: 'out' | 'in';
  readonly kind: string;
  readonly method: string;
  readonly id: number;
  readonly bytes: number;
  readonly latencyMs?: number;
  readonly verdict: string;
}

const MAX_ROWS = 300;

class Inspector {
  private readonly started = new Map<number, { method: string; at: number }>();
  private readonly body = $('log');
  private count = 0;
  private totalBytes = 0;

  constructor() {
    $('clear-log').addEventListener('click', () => {
      this.body.replaceChildren();
      this.count = 0;
      this.totalBytes = 0;
      this.summary();
    });
  }

  /** Decodes a copy of the frame's header fields; the payload itself is not inspected. */
  frame(direction: 'out' | 'in', frame: Uint8Array): void {
    let row: Row;
    try {
      const envelope = decodeFrame(frame);
      const id = envelope.id ?? 0;
      const kind = bodyOf(envelope) ?? 'empty';
      if (envelope.request) {
        const method = envelope.request.method ?? '';
        this.started.set(id, { method, at: performance.now() });
        row = { direction, kind, method, id, bytes: frame.byteLength, verdict: '' };
      } else if (envelope.response || envelope.cancel || envelope.error) {
        const start = this.started.get(id);
        if (start && direction === 'in') this.started.delete(id);
        const error = envelope.response?.error ?? envelope.error;
        const verdict = envelope.cancel ? 'cancel' : error ? (ERROR_CODES[error.code ?? 12] ?? 'INTERNAL') : 'OK';
        row = {
          direction, kind, method: start?.method ?? '', id, bytes: frame.byteLength, verdict,
          ...(start && direction === 'in' ? { latencyMs: performance.now() - start.at } : {}),
        };
      } else {
        row = { direction, kind, method: '', id, bytes: frame.byteLength, verdict: kind === 'welcome' ? 'OK' : '' };
      }
    } catch {
      row = { direction, kind: 'garbled', method: '', id: 0, bytes: frame.byteLength, verdict: 'MALFORMED_MESSAGE' };
    }
    this.add(row);
  }

  private add(row: Row): void {
    this.count++;
    this.totalBytes += row.bytes;
    const tr = element('tr', '', row.direction);
    const cells: [string, string][] = [
      [new Date().toLocaleTimeString(undefined, { hour12: false }), ''],
      [row.direction === 'out' ? 'page → host' : 'host → page', 'dir'],
      [row.kind, ''],
      [row.method, ''],
      [row.id ? String(row.id) : '', ''],
      [formatBytes(row.bytes), 'num'],
      [row.latencyMs === undefined ? '' : `${row.latencyMs.toFixed(1)} ms`, 'num'],
      [row.verdict, row.verdict === 'OK' ? 'ok' : row.verdict && row.verdict !== 'cancel' ? 'bad' : ''],
    ];
    for (const [text, className] of cells) tr.append(element('td', text, className));
    this.body.prepend(tr);
    while (this.body.childElementCount > MAX_ROWS) this.body.lastElementChild?.remove();
    this.summary();
  }

  private summary(): void {
    $('log-summary').textContent = `${this.count} messages, ${formatBytes(this.totalBytes)}`;
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** A transport that shows every frame to the inspector on its way through. */
class InspectedTransport implements Transport {
  private readonly messageHandlers: TransportEvents['message'][] = [];

  constructor(private readonly inner: Transport, private readonly inspector: Inspector) {
    inner.on('message', (frame) => {
      inspector.frame('in', frame);
      for (const handler of this.messageHandlers) handler(frame);
    });
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  send(frame: Uint8Array): void {
    this.inspector.frame('out', frame);
    this.inner.send(frame);
  }

  close(reason?: string): void {
    this.inner.close(reason);
  }

  on<E extends keyof TransportEvents>(event: E, handler: TransportEvents[E]): void {
    if (event === 'message') this.messageHandlers.push(handler as TransportEvents['message']);
    else this.inner.on(event, handler);
  }
}

// ---------- calls with on-screen results ----------

function describeError(error: unknown): string {
  const failure = error as Partial<CapwireError>;
  return failure.code ? `${failure.code}: ${failure.message}` : String(error);
}

async function show(output: HTMLElement, label: string, run: () => Promise<unknown>): Promise<void> {
  output.className = 'output';
  output.textContent = `${label} …`;
  try {
    const result = await run();
    output.classList.add('ok');
    output.textContent = `${label}\n→ ${typeof result === 'string' ? result : JSON.stringify(result, null, 2)}`;
  } catch (error) {
    output.classList.add('bad');
    output.textContent = `${label}\n→ ${describeError(error)}`;
  }
}

// ---------- file browser and editor ----------

interface DirEntry {
  readonly name: string;
  readonly isFile?: boolean;
  readonly isDirectory?: boolean;
}

function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

class FileBrowser {
  private cwd: string;
  private openPath: string | undefined;

  constructor(private readonly client: Client, workspace: string) {
    this.cwd = workspace;
    $('up').addEventListener('click', () => void this.list(parentOf(this.cwd)));
    $('refresh').addEventListener('click', () => void this.list(this.cwd));
    $('new-file').addEventListener('click', () => this.newFile());
    $('save-file').addEventListener('click', () => void this.save());
  }

  async list(dir: string): Promise<void> {
    const list = $('file-list');
    try {
      const { entries = [] } = (await this.client.call('fs.readDir', { path: dir })) as { entries?: DirEntry[] };
      this.cwd = dir;
      $('cwd').textContent = dir;
      const sorted = [...entries].sort((a, b) => Number(!!b.isDirectory) - Number(!!a.isDirectory) || a.name.localeCompare(b.name));
      list.replaceChildren(...sorted.map((entry) => this.item(entry)));
      if (sorted.length === 0) list.append(element('li', '(empty)', 'empty'));
      this.status(`listed ${dir}`, true);
    } catch (error) {
      this.status(`${dir}: ${describeError(error)}`, false);
    }
  }

  private item(entry: DirEntry): HTMLLIElement {
    const path = joinPath(this.cwd, entry.name);
    // The host leaves out the type of entries this origin may not read: try listing those.
    const opaque = !entry.isDirectory && !entry.isFile;
    const li = element('li', entry.name, entry.isDirectory ? 'dir' : opaque ? 'opaque' : 'file');
    if (opaque) li.title = 'type withheld by the host: not readable by this origin';
    if (path === this.openPath) li.classList.add('selected');
    li.addEventListener('click', () => void (entry.isFile ? this.open(path) : this.list(path)));
    return li;
  }

  private async open(path: string): Promise<void> {
    try {
      const { data = '' } = (await this.client.call('fs.readFile', { path })) as { data?: string };
      this.openPath = path;
      ($('editor') as HTMLTextAreaElement).value = utf8.decode(fromBase64(data));
      ($('file-name') as HTMLInputElement).value = path.slice(this.cwd.length + 1);
      for (const li of Array.from($('file-list').children)) li.classList.toggle('selected', li.textContent === path.slice(this.cwd.length + 1));
      this.status(`opened ${path}`, true);
    } catch (error) {
      this.status(`${path}: ${describeError(error)}`, false);
    }
  }

  private newFile(): void {
    this.openPath = undefined;
    ($('file-name') as HTMLInputElement).value = 'untitled.txt';
    ($('editor') as HTMLTextAreaElement).value = '';
    this.status('new file: type a name and press Save', true);
  }

  private async save(): Promise<void> {
    const name = ($('file-name') as HTMLInputElement).value.trim();
    if (!name) return this.status('type a file name first', false);
    const path = name.startsWith('/') ? name : joinPath(this.cwd, name);
    const bytes = utf8.encode(($('editor') as HTMLTextAreaElement).value);
    try {
      const { bytesWritten } = (await this.client.call('fs.writeFile', { path, data: toBase64(bytes) })) as { bytesWritten?: string | number };
      this.openPath = path;
      this.status(`saved ${path} (${bytesWritten ?? 0} bytes)`, true);
      await this.list(this.cwd);
    } catch (error) {
      this.status(`${path}: ${describeError(error)}`, false);
    }
  }

  private status(text: string, ok: boolean): void {
    const status = $('file-status');
    status.textContent = text;
    status.className = `note ${ok ? 'ok' : 'bad'}`;
  }
}

// ---------- program, allowed and denied calls ----------

/** Start/Stop for process.spawnStream of /usr/bin/yes: bytes, rate and the last line, refreshed as chunks arrive. */
function wireProgramStream(client: Client): void {
  const output = $('yes-output');
  const start = $('start-yes') as HTMLButtonElement;
  const stop = $('stop-yes') as HTMLButtonElement;
  let controller: AbortController | undefined;
  start.addEventListener('click', () => {
    const word = ($('yes-word') as HTMLInputElement).value.trim() || 'y';
    controller = new AbortController();
    const { signal } = controller;
    start.disabled = true;
    stop.disabled = false;
    output.className = 'output';
    const began = performance.now();
    let bytes = 0;
    let chunks = 0;
    let lastLine = '';
    const report = (state: string) => {
      const seconds = (performance.now() - began) / 1000;
      output.textContent = `process.spawnStream /usr/bin/yes ${word}: ${state}\n${chunks} chunks, ` +
        `${(bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(1)} s (${(bytes / 1048576 / Math.max(seconds, 0.001)).toFixed(1)} MiB/s)\nlast line: ${lastLine}`;
    };
    void (async () => {
      try {
        for await (const piece of client.stream('process.spawnStream', { program: '/usr/bin/yes', args: [word] }, { signal, timeoutMs: 120_000 })) {
          const data = fromBase64(String(piece['stdout'] ?? ''));
          bytes += data.byteLength;
          chunks++;
          const text = utf8.decode(data.subarray(Math.max(0, data.byteLength - 200)));
          const lines = text.split('\n');
          lines.pop(); // a chunk may end mid-line: show the last complete one
          lastLine = lines.filter(Boolean).at(-1) ?? lastLine;
          if (chunks % 16 === 1) report('running');
        }
        report('the program ended');
        output.classList.add('ok');
      } catch (error) {
        report(signal.aborted ? 'stopped (the stream was cancelled and the program killed)' : describeError(error));
        output.classList.add(signal.aborted ? 'ok' : 'bad');
      } finally {
        start.disabled = false;
        stop.disabled = true;
      }
    })();
  });
  stop.addEventListener('click', () => controller?.abort());
}

function wireButtons(client: Client, info: DemoInfo): void {
  $('run-echo').addEventListener('click', () => {
    const args = ($('echo-args') as HTMLInputElement).value.split(/\s+/).filter(Boolean);
    void show($('echo-output'), `process.spawn /bin/echo ${args.join(' ')}`, async () => {
      const result = (await client.call('process.spawn', { program: '/bin/echo', args })) as { exitCode?: number; stdout?: string; stderr?: string };
      return `exit ${result.exitCode ?? 0}\nstdout: ${utf8.decode(fromBase64(result.stdout ?? ''))}stderr: ${utf8.decode(fromBase64(result.stderr ?? ''))}`;
    });
  });

  wireProgramStream(client);

  const ws = info.workspace;
  const allowed: [string, string, object][] = [
    ['os.info', 'os.info', {}],
    ['env.get LANG', 'env.get', { name: 'LANG' }],
    ['sys.ping', 'sys.ping', { data: toBase64(utf8.encode('ping')) }],
  ];
  const denied: [string, string, object][] = [
    ['read /etc/passwd', 'fs.readFile', { path: '/etc/passwd' }],
    ['read private/secret.txt', 'fs.readFile', { path: `${ws}/private/secret.txt` }],
    ['escape with ../', 'fs.readFile', { path: `${ws}/notes/../../../../../etc/hostname` }],
    ['write into private/', 'fs.writeFile', { path: `${ws}/private/owned.txt`, data: toBase64(utf8.encode('x')) }],
    ['env.get HOME', 'env.get', { name: 'HOME' }],
    ['spawn /bin/sh -c id', 'process.spawn', { program: '/bin/sh', args: ['-c', 'id'] }],
  ];
  const addButtons = (containerId: string, outputId: string, calls: [string, string, object][], className: string) => {
    for (const [label, method, params] of calls) {
      const button = element('button', label, className);
      button.type = 'button';
      button.addEventListener('click', () => void show($(outputId), `${method} ${JSON.stringify(params)}`, () => client.call(method, params)));
      $(containerId).append(button);
    }
  };
  addButtons('allowed-buttons', 'allowed-output', allowed, '');
  addButtons('denied-buttons', 'denied-output', denied, 'deny');
}

// ---------- start-up ----------

function setStatus(text: string, state: 'pending' | 'connected' | 'failed'): void {
  const status = $('status');
  status.textContent = text;
  status.className = `status ${state}`;
  document.documentElement.dataset['state'] = state;
}

async function start(): Promise<void> {
  const info = ((await import(new URL('/demo-info.js', location.href).href)) as { default: DemoInfo }).default;
  $('workspace').textContent = info.workspace;
  $('policy').textContent = info.policy;
  $('policy-source').textContent = `(${info.policySource})`;
  $('origin').textContent = location.origin;

  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) {
    setStatus('no token: open the URL that capwire demo printed', 'failed');
    return;
  }
  const inspector = new Inspector();
  let client: Client;
  try {
    const socket = await WebSocketTransport.connect(`ws://${location.host}/capwire`, { protocols: ['capwire.v1', `token.${token}`] });
    client = await Client.connect(new InspectedTransport(socket, inspector));
    socket.on('close', (reason) => setStatus(`disconnected: ${reason}`, 'failed'));
  } catch (error) {
    setStatus(`could not connect (${describeError(error)}); was the token right?`, 'failed');
    return;
  }
  window.capwire = client;
  const { welcome } = client;
  setStatus('connected', 'connected');
  $('session').textContent = `protocol v${welcome.protocolVersion} · session origin ${welcome.origin}`;
  $('capabilities').textContent = welcome.capabilities.length ? welcome.capabilities.join(', ') : 'nothing (this origin has no grants)';

  wireButtons(client, info);
  await new FileBrowser(client, info.workspace).list(info.workspace);
}

start().catch((error: unknown) => setStatus(`page error: ${describeError(error)}`, 'failed'));
