/**
 * Parse HELLO client ids ("Geth/v1.14.11-stable-f3c696fa/linux-amd64/go1.23.2") into parts.
 *
 * There is no spec: clients follow geth's "name[/identity]/version/os-arch/runtime" loosely, Rust
 * clients put a target triple ("x86_64-unknown-linux-gnu") where geth puts "linux-amd64", and some
 * omit the version. The parser never throws; parts it cannot recognise are null.
 */

export interface ClientIdInfo {
  /** First segment as sent ("Geth", "erigon", "Nethermind"); '' for an empty id. */
  name: string;
  /** Custom node name between name and version (geth --identity), e.g. "mynode". */
  identity: string | null;
  /** Version segment as sent, e.g. "v1.14.11-stable-f3c696fa". */
  version: string | null;
  os: string | null;
  arch: string | null;
  /** Runtime/toolchain, e.g. "go1.23.2", "dotnet8.0.10", "rustc1.41.0", "openjdk-java-21". */
  runtime: string | null;
}

/** "v1.2", "1.2.3", "v24.10.0-rc1", "v1.29.1+dfea5240": a number, a dot, a number. */
const VERSION_SEGMENT = /^v?\d{1,9}(\.\d{1,9})+([-+._].*)?$/i;
/** Tokens of a platform segment ("linux-amd64", "x86_64-unknown-linux-gnu", "linux-aarch_64"). */
const OS_TOKENS = new Set([
  'linux', 'windows', 'win32', 'win64', 'darwin', 'macos', 'osx', 'freebsd', 'openbsd', 'netbsd',
  'dragonfly', 'android', 'ios', 'illumos', 'solaris',
]);
const ARCH_TOKENS = new Set([
  'amd64', 'x64', 'x86_64', 'x86', 'i386', 'i686', '386', 'arm64', 'aarch64', 'aarch_64', 'arm',
  'armv6', 'armv6l', 'armv7', 'armv7l', 'armhf', 'riscv64', 'riscv64gc', 'ppc64', 'ppc64le', 's390x',
  'mips', 'mipsle', 'mips64', 'mips64le', 'loong64', 'loongarch64', 'wasm', 'wasm32',
]);
const RUNTIME_SEGMENT = /^(go\d|rustc|dotnet|openjdk|java|jvm|node|nodejs|nim|python|bun|deno)/i;

/** Client ids longer than this are cut before parsing (HELLO is ≤ 2 KiB anyway). */
const MAX_PARSED_LENGTH = 256;

function parsePlatform(segment: string): { os: string | null; arch: string | null } | null {
  let os: string | null = null;
  let arch: string | null = null;
  for (const token of segment.toLowerCase().split('-')) {
    if (os === null && OS_TOKENS.has(token)) os = token;
    else if (arch === null && ARCH_TOKENS.has(token)) arch = token;
  }
  return os === null && arch === null ? null : { os, arch };
}

export function parseClientId(clientId: string): ClientIdInfo {
  // Control characters never belong in an id; strip them so reports stay printable.
  const clean = String(clientId).slice(0, MAX_PARSED_LENGTH).replace(/[\x00-\x1f\x7f]/g, '').trim();
  const segments = clean.split('/').map((s) => s.trim());
  const info: ClientIdInfo = { name: segments[0] ?? '', identity: null, version: null, os: null, arch: null, runtime: null };

  let i = 1;
  const versionAt = segments.findIndex((s, k) => k >= 1 && VERSION_SEGMENT.test(s));
  if (versionAt >= 1) {
    // Only a segment that is not itself a platform or runtime counts as a custom identity.
    const between = segments.slice(1, versionAt);
    if (between.length > 0 && between.every((s) => s !== '' && !parsePlatform(s) && !RUNTIME_SEGMENT.test(s))) {
      info.identity = between.join('/');
    }
    info.version = segments[versionAt]!;
    i = versionAt + 1;
  }

  for (; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg === '') continue;
    if (info.os === null && info.arch === null) {
      const platform = parsePlatform(seg);
      if (platform) {
        info.os = platform.os;
        info.arch = platform.arch;
        continue;
      }
    }
    if (info.runtime === null && (RUNTIME_SEGMENT.test(seg) || info.os !== null || info.arch !== null)) {
      info.runtime = seg;
    }
  }
  return info;
}

export interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
}

/** Leading "vMAJOR.MINOR[.PATCH]" of a version string; null if there is none. */
export function parseVersion(version: string | null | undefined): ParsedVersion | null {
  if (typeof version !== 'string') return null;
  const m = /^v?(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?/i.exec(version.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] === undefined ? 0 : Number(m[3]) };
}

/**
 * Order semver-ish versions by major.minor.patch, ignoring suffixes ("-stable-abc", "+commit").
 * Unparseable versions sort before every parseable one and equal to each other, so the function is
 * a total order usable with Array.prototype.sort.
 */
export function compareVersions(a: string | null | undefined, b: string | null | undefined): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  return Math.sign(pa.major - pb.major || pa.minor - pb.minor || pa.patch - pb.patch);
}
