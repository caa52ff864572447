/**
 * Countries where the GDPR applies: the 27 EU member states and the EEA states that apply it
 * (Iceland, Liechtenstein, Norway). ISO 3166-1 alpha-2.
 */
export const GDPR_COUNTRIES: ReadonlySet<string> = new Set([
  "AT",
  "BE",
  "BG",
  "HR",
  "CY",
  "CZ",
  "DK",
  "EE",
  "FI",
  "FR",
  "DE",
  "GR",
  "HU",
  "IE",
  "IT",
  "LV",
  "LT",
  "LU",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SK",
  "SI",
  "ES",
  "SE",
  "IS",
  "LI",
  "NO",
]);

/** Cloud locations inside the EU/EEA, by the prefixes providers use (GCP europe-west4, Upstash eu-central-1). */
export function isEuLocation(location: string): boolean {
  // europe-west2 (London) and europe-west6 (Zurich) are in Europe but outside the EU.
  if (/^europe-west(2|6)$/.test(location)) return false;
  return /^(eu-|europe-)/.test(location);
}
