import { expect, test } from "@playwright/test";

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
  await page.reload();
});

async function add(page: import("@playwright/test").Page, name: string, quantity: string, price: string) {
  await page.getByLabel("item").fill(name);
  await page.getByLabel("quantity").fill(quantity);
  await page.getByLabel("price").fill(price);
  await page.getByRole("button", { name: "Add" }).click();
}

test("starts empty", async ({ page }) => {
  await expect(page.getByRole("heading", { name: "Shopping list" })).toBeVisible();
  await expect(page.getByRole("listitem")).toHaveCount(0);
  await expect(page.locator("#total")).toHaveText("Total: 0.00");
});

test("adds items and totals them", async ({ page }) => {
  await add(page, "Milk", "2", "1.20");
  await add(page, "Bread", "1", "2.50");
  await expect(page.getByRole("listitem")).toHaveCount(2);
  await expect(page.locator("#total")).toHaveText("Total: 4.90");
  await expect(page.getByLabel("item")).toHaveValue("");
});

test("warns when the list costs more than the budget", async ({ page }) => {
  await page.getByLabel("Budget").fill("5");
  await page.getByLabel("Budget").press("Enter");
  await add(page, "Cheese", "1", "6.30");
  await expect(page.getByRole("alert")).toHaveText("Over budget by 1.30");
});

test("bought items leave what is still to buy", async ({ page }) => {
  await add(page, "Apples", "3", "0.50");
  await add(page, "Rice", "1", "1.80");
  await page.getByLabel("bought Apples").check();
  await expect(page.locator("#to-buy")).toHaveText("Still to buy: 1.80");
  await page.getByLabel("remove Rice").click();
  await expect(page.getByRole("listitem")).toHaveCount(1);
});

test("says why a price is refused", async ({ page }) => {
  await add(page, "Tea", "1", "cheap");
  await expect(page.getByRole("status")).toHaveText('"cheap" is not a price');
  await expect(page.getByRole("listitem")).toHaveCount(0);
});
