/**
 * Options objects a caller might really pass by mistake, or a hostile one on purpose, each with the
 * key a typed error must name. `valid` is a working options object; `field` one of its numeric keys,
 * `first` the key the parser reads first. Shared by the stores' option tests (each store says how
 * its error names a field).
 */
export function hostileOptions(
  valid: Record<string, unknown>,
  field: string,
  first: string,
): Array<{ name: string; options: unknown; names: string }> {
  const throwing = (what: string) => () => {
    throw new Error(`${what} threw`);
  };
  return [
    { name: "an unknown key", options: { ...valid, bogus: 1 }, names: "bogus" },
    { name: "an own `constructor` key", options: { ...valid, constructor: 1 }, names: "constructor" },
    { name: "an own `toString` key", options: { ...valid, toString: () => "x" }, names: "toString" },
    {
      name: "an own `__proto__` key",
      options: Object.assign(JSON.parse('{"__proto__": 1}'), valid),
      names: "__proto__",
    },
    {
      name: "an inherited enumerable unknown key",
      options: Object.assign(Object.create({ typo: 1 }), valid),
      names: "typo",
    },
    {
      name: "a getter that throws",
      options: Object.defineProperty({ ...valid }, field, { enumerable: true, get: throwing("getter") }),
      names: field,
    },
    {
      name: "a Proxy that throws on get",
      options: new Proxy({ ...valid }, { get: throwing("get trap") }),
      names: first,
    },
    {
      name: "a Proxy that throws on ownKeys",
      options: new Proxy({ ...valid }, { ownKeys: throwing("ownKeys trap") }),
      names: "",
    },
    {
      name: "a frozen object with an out-of-range value",
      options: Object.freeze({ ...valid, [field]: -1 }),
      names: field,
    },
  ];
}
