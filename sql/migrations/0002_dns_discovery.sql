-- DNS node lists (EIP-1459), issue 11. Assigned number 0006: renumber at merge time so that it
-- follows the other migrations of that round (the runner refuses gaps).
--
-- ADD VALUE inside a transaction is allowed (PostgreSQL ≥ 12) as long as the value is not used in
-- the same transaction; nothing here uses it.

-- A node learned from a signed DNS tree (its leaf ENR): AddressSource 'dns' in src/crawler/events.ts.
-- Placed before 'dial', which is not an AddressSource, so the order stays ADDRESS_SOURCES + 'dial'.
ALTER TYPE address_source ADD VALUE 'dns' BEFORE 'dial';
COMMENT ON TYPE address_source IS 'Where an address was learned: AddressSource in src/crawler/events.ts (neighbors, inbound, bootnode, ping, static, dns = a leaf of a signed EIP-1459 DNS tree), plus dial (the endpoint of an outbound dial).';

-- src/dnsdisc/errors.ts: a TXT entry that does not parse or breaks the tree structure, and a DNS
-- query that failed (NXDOMAIN, SERVFAIL, refused, no root/entry TXT record).
ALTER TYPE error_kind ADD VALUE 'bad_dns_entry';
ALTER TYPE error_kind ADD VALUE 'dns_lookup';
