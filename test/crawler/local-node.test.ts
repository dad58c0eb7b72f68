import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { decodeEnr, type Enr } from '../../src/enode/enr.js';
import { currentForkId } from '../../src/eth/fork-id.js';
import { NETWORKS, forkSchedule } from '../../src/eth/networks.js';
import { ManualClock } from '../../src/net/clock.js';
import { enrSeqFileName, enrSeqStore, memoryEnrSeqStore } from '../../src/crawler/keys.js';
import { LocalNode, type LocalNodeOptions } from '../../src/crawler/local-node.js';
import { uintToBytes } from '../../src/util/bytes.js';
import { rlpDecode, rlpEncode } from '../../src/util/rlp.js';

const SHANGHAI = 1_681_338_455; // mainnet, a fork in the past: the schedule can only grow after it
const mainnet = NETWORKS.mainnet;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'nodefinder-enr-'));
  dirs.push(d);
  return d;
}

function node(extra: Partial<LocalNodeOptions> = {}) {
  const clock = (extra.clock as ManualClock | undefined) ?? new ManualClock(1_750_000_000_000);
  const changes: Enr[] = [];
  const ln = new LocalNode({
    privateKey: generatePrivateKey(),
    clock,
    network: mainnet,
    udpPort: 30303,
    tcpPort: 30304,
    onChange: (e) => changes.push(e),
    tracker: { minStatements: 3 },
    ...extra,
  });
  return { ln, clock, changes };
}

const pong = (i: number, ip: string) => [{ address: `198.51.100.${i}`, port: 30303 }, { address: ip, port: 30303 }] as const;

describe('LocalNode: our ENR', () => {
  it('carries id, secp256k1, ip, tcp, udp and eth = [[forkHash, forkNext]] for the network now', async () => {
    const { ln, clock } = node({ fallbackIp: '127.0.0.1' });
    const enr = decodeEnr((await ln.start()).raw); // as a remote decodes and verifies it
    expect([...enr.entries.keys()]).toEqual(['eth', 'id', 'ip', 'secp256k1', 'tcp', 'udp']);
    expect(enr.ip).toBe('127.0.0.1');
    expect(enr.udp).toBe(30303);
    expect(enr.tcp).toBe(30304);
    const want = currentForkId(forkSchedule(mainnet), Math.floor(clock.now() / 1000));
    expect(enr.eth).toEqual({ forkHash: want.hash, forkNext: want.next });
    // Byte for byte what geth's enrEntry{ForkID, Rest} encodes: a list holding the [hash, next] list.
    const value = enr.get('eth')!;
    expect(rlpEncode(value as never)).toEqual(rlpEncode([[want.hash, uintToBytes(want.next)]]));
    expect(rlpDecode(rlpEncode(value as never))).toHaveLength(1);
  });

  it('omits eth when told to, and announces a given fork ID instead of the computed one', async () => {
    const none = node({ forkId: null, fallbackIp: '127.0.0.1' });
    expect((await none.ln.start()).get('eth')).toBeUndefined();
    const wrong = node({ forkId: { hash: Uint8Array.of(1, 2, 3, 4), next: 0n } });
    expect((await wrong.ln.start()).eth).toEqual({ forkHash: Uint8Array.of(1, 2, 3, 4), forkNext: 0n });
  });

  it('has no ip while the listen address is a wildcard and nothing is predicted', async () => {
    const { ln } = node({ fallbackIp: '0.0.0.0' });
    const enr = await ln.start();
    expect(enr.ip).toBeUndefined();
    expect(ln.enode).toMatch(/@0\.0\.0\.0:30304\?discport=30303$/);
  });

  it('takes the IP (and UDP port) most PONGs state once enough do, with a higher seq', async () => {
    const { ln, changes } = node({ fallbackIp: '10.0.0.5' });
    const first = await ln.start();
    for (let i = 1; i <= 2; i++) ln.endpointStatement(...pong(i, '198.51.100.210'));
    ln.endpointStatement({ address: '198.51.100.9', port: 1 }, { address: '198.51.100.166', port: 30303 });
    await ln.flush();
    expect(changes).toHaveLength(0); // two statements < minStatements: still the fallback
    expect(ln.enr.ip).toBe('10.0.0.5');
    ln.endpointStatement({ address: '198.51.100.3', port: 30303 }, { address: '198.51.100.210', port: 40404 });
    ln.endpointStatement(...pong(4, '198.51.100.210'));
    await ln.flush();
    expect(changes).toHaveLength(1);
    expect(ln.enr.ip).toBe('198.51.100.210');
    expect(ln.enr.udp).toBe(30303);
    expect(ln.enr.seq).toBe(first.seq + 1n);
    // The same prediction again changes nothing.
    ln.endpointStatement(...pong(5, '198.51.100.210'));
    await ln.flush();
    expect(changes).toHaveLength(1);
  });

  it('--external-ip wins over any prediction', async () => {
    const { ln, changes } = node({ staticIp: '203.0.113.7', fallbackIp: '10.0.0.5' });
    expect((await ln.start()).ip).toBe('203.0.113.7');
    for (let i = 1; i <= 5; i++) ln.endpointStatement(...pong(i, '198.51.100.210'));
    await ln.flush();
    expect(changes).toHaveLength(0);
    expect(ln.enr.ip).toBe('203.0.113.7');
  });

  it('re-signs when a fork passes, on a timer of the injected clock', async () => {
    const clock = new ManualClock((SHANGHAI - 10) * 1000);
    const { ln, changes } = node({ clock, fallbackIp: '127.0.0.1' });
    const before = await ln.start();
    expect(before.eth!.forkNext).toBe(BigInt(SHANGHAI));
    clock.advance(9_000);
    await ln.flush();
    expect(changes).toHaveLength(0);
    clock.advance(1_000);
    await ln.flush();
    expect(changes).toHaveLength(1);
    const after = currentForkId(forkSchedule(mainnet), SHANGHAI);
    expect(ln.enr.eth).toEqual({ forkHash: after.hash, forkNext: after.next });
    expect(ln.enr.eth!.forkHash).not.toEqual(before.eth!.forkHash);
    expect(ln.enr.seq).toBe(before.seq + 1n);
    await ln.close();
    expect(clock.pending).toBe(0);
  });
});

describe('LocalNode: seq persisted beside the key', () => {
  it('starts from the clock without a saved seq, and above the saved one after a restart', async () => {
    const dir = await tempDir();
    const key = generatePrivateKey();
    const clock = new ManualClock(1_750_000_000_000);
    const opts = { privateKey: key, clock, network: mainnet, udpPort: 30303, tcpPort: 30303, fallbackIp: '127.0.0.1', tracker: { minStatements: 2 } };
    const a = new LocalNode({ ...opts, seqStore: enrSeqStore(dir, 0) });
    const first = await a.start();
    expect(first.seq).toBe(1_750_000_000_001n);
    a.endpointStatement(...pong(1, '198.51.100.210'));
    a.endpointStatement(...pong(2, '198.51.100.210'));
    await a.close();
    expect(a.enr.seq).toBe(first.seq + 1n);
    expect((await readFile(join(dir, enrSeqFileName(0)), 'utf8')).trim()).toBe(String(first.seq + 1n));

    // Restart with the clock set back: the saved seq still rules.
    const b = new LocalNode({ ...opts, clock: new ManualClock(1_600_000_000_000), seqStore: enrSeqStore(dir, 0) });
    expect((await b.start()).seq).toBe(first.seq + 2n);
    await b.close();
    // Another instance index has its own file.
    const c = new LocalNode({ ...opts, seqStore: enrSeqStore(dir, 1) });
    expect((await c.start()).seq).toBe(1_750_000_000_001n);
  });

  it('a damaged seq file falls back to the clock, never below it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, enrSeqFileName(0)), 'garbage\n');
    expect(await enrSeqStore(dir, 0).load()).toBe(0n);
    await writeFile(join(dir, enrSeqFileName(0)), '99999999999999999999999\n');
    expect(await enrSeqStore(dir, 0).load()).toBe(0n);
    await writeFile(join(dir, enrSeqFileName(0)), '42\n');
    expect(await enrSeqStore(dir, 0).load()).toBe(42n);
  });

  it('saves a seq before serving the record signed with it', async () => {
    const store = memoryEnrSeqStore(7n);
    const { ln } = node({ seqStore: store, fallbackIp: '127.0.0.1' });
    expect((await ln.start()).seq).toBe(8n);
    expect(store.value).toBe(8n);
  });
});
