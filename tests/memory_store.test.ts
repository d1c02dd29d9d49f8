import { MemoryStore } from "../src/store/memory_store.ts";
import { storeConformance } from "./store_conformance.ts";

storeConformance("MemoryStore", () => Promise.resolve(new MemoryStore()));
