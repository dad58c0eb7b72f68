/**
 * The public DNS node lists (EIP-1459) per network, as go-ethereum uses them by default
 * (params/bootnodes.go KnownDNSNetwork with protocol "all", cmd/utils/flags.go
 * SetDNSDiscoveryDefaults): published at <protocol>.<network>.ethdisco.net, signed by the key below
 * (github.com/ethereum/discv4-dns-lists). Only used by `nodefinder crawl` when neither --dns nor
 * --bootnodes is given; tests never resolve them.
 */
import type { NetworkName } from './networks.js';

const ETHDISCO_KEY = 'AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE';

export const DEFAULT_DNS_TREES: Readonly<Record<NetworkName, readonly string[]>> = {
  mainnet: [`enrtree://${ETHDISCO_KEY}@all.mainnet.ethdisco.net`],
  sepolia: [`enrtree://${ETHDISCO_KEY}@all.sepolia.ethdisco.net`],
  holesky: [`enrtree://${ETHDISCO_KEY}@all.holesky.ethdisco.net`],
  hoodi: [`enrtree://${ETHDISCO_KEY}@all.hoodi.ethdisco.net`],
};
