// The shopping list itself: items, prices in cents, totals and the budget. No DOM here.

export interface Item {
  name: string;
  quantity: number;
  priceCents: number;
  bought: boolean;
}

export interface Budget {
  spent: number;
  left: number;
  over: boolean;
}

/** "2.5", "2.50" or "2,50" as cents; throws on anything else. */
export function parsePrice(text: string): number {
  const match = /^\s*(\d+)(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not a price`);
  }
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? "").padEnd(2, "0"));
  return whole * 100 + fraction;
}

/** 1250 as "12.50". */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** A name as the list compares it: trimmed, single spaces, lower case. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

/** The list with the item added, or its quantity raised when an item of that name is there. */
export function addItem(items: readonly Item[], name: string, quantity: number, priceCents: number): Item[] {
  const cleaned = name.trim().replace(/\s+/g, " ");
  if (cleaned === "") {
    throw new Error("an item needs a name");
  }
  if (!Number.isInteger(quantity) || quantity < 1) {
    throw new Error("the quantity must be a whole number of at least 1");
  }
  const key = normalizeName(cleaned);
  const existing = items.findIndex((item) => normalizeName(item.name) === key);
  if (existing >= 0) {
    return items.map((item, index) =>
      index === existing ? { ...item, quantity: item.quantity + quantity, priceCents } : item,
    );
  }
  return [...items, { name: cleaned, quantity, priceCents, bought: false }];
}

/** The list with one item's `bought` flipped. */
export function toggleBought(items: readonly Item[], index: number): Item[] {
  return items.map((item, i) => (i === index ? { ...item, bought: !item.bought } : item));
}

/** The list without one item. */
export function removeItem(items: readonly Item[], index: number): Item[] {
  return items.filter((_, i) => i !== index);
}

/** What a line costs. */
export function lineTotal(item: Item): number {
  return item.quantity * item.priceCents;
}

/** What the whole list costs. */
export function total(items: readonly Item[]): number {
  return items.reduce((sum, item) => sum + lineTotal(item), 0);
}

/** What the items not yet bought will cost. */
export function stillToBuy(items: readonly Item[]): number {
  return total(items.filter((item) => !item.bought));
}

/** The list against a budget in cents. */
export function budget(items: readonly Item[], budgetCents: number): Budget {
  const spent = total(items);
  return { spent, left: budgetCents - spent, over: spent > budgetCents };
}
