import { describe, expect, it } from "vitest";

import { addItem, budget, formatMoney, parsePrice, removeItem, stillToBuy, toggleBought, total } from "./list";

describe("prices", () => {
  it("parses whole and decimal prices", () => {
    expect(parsePrice("3")).toBe(300);
    expect(parsePrice("2.5")).toBe(250);
    expect(parsePrice(" 2,05 ")).toBe(205);
  });

  it("refuses what is not a price", () => {
    expect(() => parsePrice("two")).toThrow('"two" is not a price');
    expect(() => parsePrice("1.234")).toThrow();
    expect(() => parsePrice("-1")).toThrow();
  });

  it("formats cents", () => {
    expect(formatMoney(1250)).toBe("12.50");
    expect(formatMoney(5)).toBe("0.05");
    expect(formatMoney(-300)).toBe("-3.00");
  });
});

describe("the list", () => {
  const list = addItem(addItem([], "Milk", 2, 120), "Bread", 1, 250);

  it("merges an item added twice", () => {
    const again = addItem(list, "  milk ", 1, 110);
    expect(again).toHaveLength(2);
    expect(again[0]).toEqual({ name: "Milk", quantity: 3, priceCents: 110, bought: false });
  });

  it("refuses an item without a name or quantity", () => {
    expect(() => addItem(list, "  ", 1, 100)).toThrow("needs a name");
    expect(() => addItem(list, "Eggs", 0, 100)).toThrow("at least 1");
  });

  it("totals quantity times price", () => {
    expect(total(list)).toBe(490);
  });

  it("leaves bought items out of what is still to buy", () => {
    expect(stillToBuy(toggleBought(list, 0))).toBe(250);
    expect(stillToBuy(toggleBought(toggleBought(list, 0), 0))).toBe(490);
  });

  it("removes an item", () => {
    expect(removeItem(list, 0).map((item) => item.name)).toEqual(["Bread"]);
  });

  it("compares with the budget", () => {
    expect(budget(list, 500)).toEqual({ spent: 490, left: 10, over: false });
    expect(budget(list, 400)).toEqual({ spent: 490, left: -90, over: true });
  });
});
