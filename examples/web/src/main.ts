// The page: a form to add items, the list, and the totals against the budget.

import { type Item, addItem, budget, formatMoney, parsePrice, removeItem, stillToBuy, toggleBought } from "./list";

const STORAGE_KEY = "shopping-list";

interface State {
  items: Item[];
  budgetCents: number;
}

function load(): State {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved) {
      return JSON.parse(saved) as State;
    }
  } catch {
    // A broken saved list starts over.
  }
  return { items: [], budgetCents: 2000 };
}

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) {
    throw new Error(`the page has no ${selector}`);
  }
  return found;
}

let state = load();

function save(): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
}

function render(): void {
  const list = element<HTMLUListElement>("#items");
  list.replaceChildren(
    ...state.items.map((item, index) => {
      const row = document.createElement("li");
      row.className = item.bought ? "bought" : "";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = item.bought;
      box.setAttribute("aria-label", `bought ${item.name}`);
      box.addEventListener("change", () => update(toggleBought(state.items, index)));
      const label = document.createElement("span");
      label.textContent = `${item.quantity} × ${item.name} (${formatMoney(item.quantity * item.priceCents)})`;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `remove ${item.name}`);
      remove.addEventListener("click", () => update(removeItem(state.items, index)));
      row.append(box, label, remove);
      return row;
    }),
  );
  const status = budget(state.items, state.budgetCents);
  element("#total").textContent = `Total: ${formatMoney(status.spent)}`;
  element("#to-buy").textContent = `Still to buy: ${formatMoney(stillToBuy(state.items))}`;
  const warning = element("#over-budget");
  warning.hidden = !status.over;
  warning.textContent = status.over ? `Over budget by ${formatMoney(-status.left)}` : "";
  element<HTMLInputElement>("#budget").value = formatMoney(state.budgetCents);
}

function update(items: Item[]): void {
  state = { ...state, items };
  save();
  render();
}

function showError(message: string): void {
  element("#error").textContent = message;
}

element<HTMLFormElement>("#add").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = element<HTMLInputElement>("#name");
  const quantity = element<HTMLInputElement>("#quantity");
  const price = element<HTMLInputElement>("#price");
  try {
    update(addItem(state.items, name.value, Number(quantity.value), parsePrice(price.value)));
    showError("");
    name.value = "";
    quantity.value = "1";
    price.value = "";
    name.focus();
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
  }
});

element<HTMLInputElement>("#budget").addEventListener("change", (event) => {
  const input = event.target as HTMLInputElement;
  try {
    state = { ...state, budgetCents: parsePrice(input.value) };
    save();
    showError("");
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
  }
  render();
});

render();
