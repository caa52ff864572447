import * as z from "zod";
import { LANGUAGE_TAG, LANGUAGE_TAG_MAX_CHARS } from "../texts/languages.js";

/**
 * A language tag a client may declare (well-formed, at most LANGUAGE_TAG_MAX_CHARS characters): the
 * HTTP API's `lang` and the web chat frame's.
 */
export const LanguageTag = z
  .string()
  .max(LANGUAGE_TAG_MAX_CHARS, `at most ${LANGUAGE_TAG_MAX_CHARS} characters`)
  .regex(LANGUAGE_TAG, "a BCP 47 language tag such as de or pt-BR");
