import { describe, expect, it } from "vitest";
import { COLLECTIONS } from "./document-schema.ts";
import { violation } from "./json-schema.ts";

const products = COLLECTIONS.products.validator.$jsonSchema;
const product = { _id: "P000001", name: "Pegasus", category: "footwear", price: 120, created_at: new Date(), updated_at: new Date(), price_history: [{ price: 110, valid_from: new Date() }, { price: 120, valid_from: new Date() }] };

describe("violation", () => {
  it("passes a valid document and names the first rule a broken one fails, by its path", () => {
    expect(violation(products, product)).toBeUndefined();
    expect(violation(products, { ...product, name: undefined })).toBe("document.name is required");
    expect(violation(products, { ...product, category: "hats" })).toBe("document.category must be one of footwear, apparel, equipment, accessories");
    expect(violation(products, { ...product, _id: "X1" })).toBe("document._id must match ^P[0-9]{6}$");
    expect(violation(products, { ...product, price: -1 })).toBe("document.price must be ≥ 0");
  });

  it("names an array item's field by its index, under the path the caller gives", () => {
    const history = [{ price: 110, valid_from: new Date() }, { price: 120, valid_from: "2026-01-01" }];
    expect(violation(products, { ...product, price_history: history })).toBe("document.price_history[1].valid_from must be date, got string");
    expect(violation(products, { ...product, price_history: history }, "insert[3]")).toBe("insert[3].price_history[1].valid_from must be date, got string");
  });
});
