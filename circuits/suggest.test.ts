import { describe, expect, it } from "vitest";
import { didYouMean } from "./suggest.js";

describe("didYouMean", () => {
  const tasks = ["lagline", "delayed-xor", "mnist1d", "smnist-row", "smnist-pixel", "hmm"];
  it("names the nearest choice for a typo", () => {
    expect(didYouMean("lagine", tasks)).toBe(" (did you mean 'lagline'?)");
    expect(didYouMean("delayed_xor", tasks)).toBe(" (did you mean 'delayed-xor'?)");
    expect(didYouMean("MNIST1D", tasks)).toBe(" (did you mean 'mnist1d'?)");
  });
  it("says nothing when no choice is close, or the word is one", () => {
    expect(didYouMean("backpropagation", ["vle", "bptt", "eprop", "none"])).toBe("");
    expect(didYouMean("hmm", tasks)).toBe("");
  });
});
