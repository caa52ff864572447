/**
 * Country of a phone number in international format without "+" (a WhatsApp wa_id), from its
 * country calling code (ITU-T E.164). Shared codes resolve to the largest country: +1 → US (the NANP
 * also covers Canada and the Caribbean, all in the same region here), +7 → RU. Longest prefix wins.
 */
const CALLING_CODES: Record<string, string> = {
  "1": "US", "7": "RU", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES",
  "36": "HU", "39": "IT", "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE", "47": "NO",
  "48": "PL", "49": "DE", "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO",
  "58": "VE", "60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "81": "JP",
  "82": "KR", "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM",
  "98": "IR", "212": "MA", "213": "DZ", "216": "TN", "234": "NG", "254": "KE", "351": "PT", "352": "LU",
  "353": "IE", "354": "IS", "356": "MT", "357": "CY", "358": "FI", "359": "BG", "370": "LT", "371": "LV",
  "372": "EE", "380": "UA", "385": "HR", "386": "SI", "420": "CZ", "421": "SK", "423": "LI", "852": "HK",
  "853": "MO", "886": "TW", "966": "SA", "971": "AE", "972": "IL",
};

export function countryOfPhoneNumber(number: string): string | undefined {
  const digits = number.replace(/^\+/, "");
  if (!/^\d{6,15}$/.test(digits)) return undefined;
  for (const length of [3, 2, 1]) {
    const country = CALLING_CODES[digits.slice(0, length)];
    if (country) return country;
  }
  return undefined;
}
