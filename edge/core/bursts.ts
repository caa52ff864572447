/** A message waiting in a chat's inbox, as far as grouping it into replies goes. */
export interface HeldMessage {
  /** Order of arrival at the inbox. */
  seq: number;
  /** When the user sent it, epoch ms (platforms give whole seconds: ties fall back to arrival). */
  sentAt: number;
  /** Plain text can be answered together with its neighbours; commands and media stand alone. */
  plainText: boolean;
  /** Who sent it: in a group, only one person's neighbouring messages share a reply. */
  sender: string;
  /** Length of its text. */
  chars: number;
  /** Set once a reply to this group was tried: the group is retried as it was, never regrouped. */
  group?: string;
}

/**
 * The replies a chat's waiting messages get, in the order they were sent: one person's neighbouring
 * plain texts share one reply (at most `limits.messages` of them, their texts one per line within
 * `limits.chars`, so a burst never asks the model more than one long message could), a command or
 * a media message gets its own, and a group already tried keeps its members so a retry answers
 * exactly what it answered before.
 */
export function groupBursts<T extends HeldMessage>(
  held: readonly T[],
  limits: { messages: number; chars: number },
): T[][] {
  const ordered = [...held].sort((a, b) => a.sentAt - b.sentAt || a.seq - b.seq);
  const groups: T[][] = [];
  let open: T[] | undefined;
  let chars = 0;
  for (const m of ordered) {
    const joins =
      open !== undefined &&
      m.plainText &&
      open[0]!.plainText &&
      open[0]!.sender === m.sender &&
      open[0]!.group === m.group &&
      (m.group !== undefined || (open.length < limits.messages && chars + 1 + m.chars <= limits.chars));
    if (joins) {
      open!.push(m);
      chars += 1 + m.chars;
    } else {
      open = [m];
      chars = m.chars;
      groups.push(open);
    }
  }
  return groups;
}
