import * as z from "zod";

/** The FAQ upload body (docs/ARCHITECTURE.md, "The contract"): `{"entries":[{"questions":["…"],"answer":"…","lang":"en"}]}`. */
export const FaqUpload = z.object({
  entries: z
    .array(
      z.object({
        questions: z
          .array(z.string().trim().min(1, "a question must not be empty").max(500))
          .min(1, "each entry needs a question")
          .max(50),
        answer: z.string().trim().min(1, "the answer must not be empty").max(4000),
        lang: z.string().regex(/^[a-z]{2}$/, 'a two-letter language code like "en"'),
      }),
    )
    .min(1, "at least one entry")
    .max(5000),
});
