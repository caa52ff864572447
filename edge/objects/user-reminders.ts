import { DurableObject } from "cloudflare:workers";
import { chooseLanguage } from "../core/language.js";
import { describeInstant, localToInstant } from "../core/local-time.js";
import { regionLanguages } from "../core/region-policy.js";
import { edgeFor } from "../create-edge.js";
import type { Edge } from "../edge.js";
import { errorKind, log } from "../log.js";
import type { Address } from "../message.js";
import { deliver } from "../pipeline/deliver.js";
import { textsFor } from "../texts/index.js";
import type { CreateResult, NewReminder, Reminder, ReminderBook, StoredReminder } from "../services/reminder-book.js";
import { REMINDERS_MAX, REMINDER_MAX_ATTEMPTS, REMINDER_RETRY_MS } from "../limits.js";

/**
 * One user's reminders, in a Durable Object of the user's region (created in the EU jurisdiction for
 * EU regions): kept in its storage and fired by its alarm, set to the earliest one due. A due reminder
 * is delivered on the channel the user set it from; on WhatsApp outside the 24-hour window (from the
 * user's latest message, see currentAddress) that is the configured template, as for any reply. Its
 * words around the user's text ("⏰ Reminder: …") are in the language it was set in (dueText).
 */
export class UserReminders extends DurableObject<Env> implements ReminderBook {
  private async all(): Promise<Array<StoredReminder>> {
    const stored = await this.ctx.storage.list<StoredReminder>({ prefix: "r:" });
    return [...stored.values()].sort((a, b) => a.dueAt - b.dueAt);
  }

  private async schedule(): Promise<void> {
    const [next] = await this.all();
    if (next) await this.ctx.storage.setAlarm(Math.max(next.dueAt, Date.now()));
    else await this.ctx.storage.deleteAlarm();
  }

  async create({ text, when, timeZone: given, address, owner, lang }: NewReminder): Promise<CreateResult> {
    // The zone the user gives is remembered for their next reminders.
    const timeZone = given ?? (await this.ctx.storage.get<string>("timeZone"));
    if (!timeZone)
      return {
        ok: false,
        error:
          "The user's time zone is unknown. Ask the user which city or time zone they are in, then call create_reminder again with time_zone.",
      };
    const dueAt = localToInstant(when, timeZone);
    if (dueAt === undefined) return { ok: false, error: "The time is not a date and time (YYYY-MM-DDTHH:MM)." };
    if (dueAt <= Date.now())
      return {
        ok: false,
        error: `${describeInstant(dueAt, timeZone)} has already passed. Ask the user for a later time.`,
      };
    const pending = await this.ctx.storage.list({ prefix: "r:" });
    if (pending.size >= REMINDERS_MAX)
      return { ok: false, error: `The user already has ${REMINDERS_MAX} reminders; one must be cancelled first.` };
    const reminder: StoredReminder = {
      id: crypto.randomUUID().slice(0, 8),
      text,
      dueAt,
      timeZone,
      address,
      owner,
      ...(lang ? { lang } : {}),
    };
    await this.ctx.storage.put({ [`r:${reminder.id}`]: reminder, timeZone });
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || dueAt < alarm) await this.ctx.storage.setAlarm(dueAt);
    return { ok: true, reminder: publicView(reminder), due: describeInstant(dueAt, timeZone) };
  }

  async list(): Promise<Reminder[]> {
    return (await this.all()).map(publicView);
  }

  async cancel(id: string): Promise<boolean> {
    const existed = await this.ctx.storage.delete(`r:${id}`);
    await this.schedule();
    return existed;
  }

  /** Deletes every reminder (for /forget); returns how many there were. */
  async erase(): Promise<number> {
    const count = (await this.all()).length;
    await this.ctx.storage.deleteAll();
    await this.ctx.storage.deleteAlarm();
    return count;
  }

  override async alarm(): Promise<void> {
    const edge = edgeFor(this.env);
    const now = Date.now();
    for (const reminder of await this.all()) {
      if (reminder.dueAt > now) break;
      const sender = edge.sender(reminder.address.channel);
      if (!sender) {
        log.error("reminder.channel_not_configured", { channel: reminder.address.channel });
        await this.ctx.storage.delete(`r:${reminder.id}`);
        continue;
      }
      try {
        const result = await deliver(sender, await currentAddress(edge, reminder), dueText(edge, reminder));
        log.info("reminder.delivered", {
          channel: reminder.address.channel,
          delivery: result.outcome,
          lateMs: Date.now() - reminder.dueAt,
        });
        await this.ctx.storage.delete(`r:${reminder.id}`);
      } catch (err) {
        // The platform asked to wait, or failed: the reminder stays, due again a little later.
        const attempts = (reminder.attempts ?? 0) + 1;
        log.warn("reminder.retry", { channel: reminder.address.channel, error: errorKind(err), attempts });
        if (attempts >= REMINDER_MAX_ATTEMPTS) await this.ctx.storage.delete(`r:${reminder.id}`);
        else
          await this.ctx.storage.put(`r:${reminder.id}`, {
            ...reminder,
            attempts,
            dueAt: Date.now() + REMINDER_RETRY_MS,
          });
      }
    }
    await this.schedule();
  }
}

/**
 * The address to deliver to now. Where a platform takes free text only for a while after the user's
 * last message (WhatsApp: 24 hours), the address kept with the reminder knows the message it was set
 * in, and the user may have written since. The conversation (in the user's region) knows; if it
 * cannot be read, the older time stands (at worst the template goes out where text was allowed, never
 * text where it was not).
 */
async function currentAddress(edge: Edge, reminder: StoredReminder): Promise<Address> {
  const { address, owner } = reminder;
  if (address.lastUserMessageAt === undefined || !owner || !Object.hasOwn(edge.config.regions, owner.region)) {
    return address;
  }
  try {
    const conversation = edge.region(owner.region).conversations;
    const latest = await conversation.lastUserMessageAt(owner.chatKey ?? owner.userKey);
    return latest !== undefined && latest > address.lastUserMessageAt
      ? { ...address, lastUserMessageAt: latest }
      : address;
  } catch (err) {
    log.warn("reminder.last_message_unknown", { error: errorKind(err) });
    return address;
  }
}

/**
 * What a due reminder says: its text in the words of the language it was set in, among its region's
 * languages; a reminder kept without one (set before languages were kept, or by a tool that passes
 * none) in its region's default language, as the pipeline would speak to a user it knows nothing of.
 */
function dueText(edge: Edge, reminder: StoredReminder): string {
  const region = reminder.owner?.region;
  const languages = region ? regionLanguages(edge.config.regionFile, region) : ["en"];
  return textsFor(chooseLanguage({ declared: reminder.lang, languages }))("reminders.due", { text: reminder.text });
}

function publicView({ id, text, dueAt, timeZone }: StoredReminder): Reminder {
  return { id, text, dueAt, timeZone };
}
