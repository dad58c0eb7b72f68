/** Offline IP → country / AS lookup for reports (see geo.ts for the data and its licences). */
export { GeoDatabase, GEO_ATTRIBUTION, countryName, loadPackagedGeo, packagedGeo, type GeoCsv, type GeoInfo, type GeoLookup } from './geo.js';
export { SPECIAL_RANGES, isSpecialIp, specialRange, type SpecialLabel, type SpecialRange } from './special.js';
export { GeoDataError } from './errors.js';
