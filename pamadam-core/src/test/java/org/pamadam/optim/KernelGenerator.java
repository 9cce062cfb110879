package org.pamadam.optim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the kernels from the two templates in {@code src/main/templates}: {@code ScalarKernel} and
 * {@code VectorKernel128/256/512}. The element maths is written once per kernel family, in its
 * template; what is generated is the copy per memory kind (heap {@code float[]} or direct
 * {@code ByteBuffer}: C2 does not unswitch a memory-kind test inside a loop, so each kind needs a loop
 * of its own) and per lane block of the canonical summation order. Run {@code tools/generate-kernels}
 * after editing a template; {@link GeneratedKernelsTest} fails while a generated file is stale.
 *
 * <p>Template language, line based:
 * <ul>
 * <li>{@code //@memory} ... {@code //@end}: the block once per memory kind; {@code $Floats} is
 *     {@code float[]} or {@code ByteBuffer}, {@code $Mem} is {@code Heap} or {@code Direct}.</li>
 * <li>{@code //@lanes} ... {@code //@end}: the block once per accumulator ({@code 16 / $L} of them),
 *     with {@code $a} its number and {@code $OFF} its first element within a 16-element group.</li>
 * <li>{@code //@vectors} ... {@code //@end}: a loop body over one vector ({@code $STEP} elements, the
 *     loop's step), written for accumulator 0, on both memories of a vector kernel. After it come the
 *     shifts of {@link #rotate} for its register accumulators. In the scalar kernel, as {@code //@lanes}
 *     ({@code $STEP} is 16).</li>
 * <li>Accumulators come in two forms. Written {@code acc$a = acc$a.add(x);} they are vectors in
 *     registers everywhere. Declared {@code ZERO(accP, accU);} and added to with
 *     {@code ADD(accP, x);} they are registers on the heap and in the 512-bit kernel, but off-heap
 *     in the 128- and 256-bit kernels they are lanes of a per-thread scratch array
 *     ({@link AccumulatorLanes}): element {@code k} (the loop body's index) of the block that starts
 *     at {@code b} adds into lane {@code (k - b) & 15}. There C2 on JDK 17 kept register
 *     accumulators, or the loop's vectors, in heap boxes in some AVX2 JVMs
 *     ({@code docs/benchmarks/kernel-views/boxing/one-vector/}).</li>
 * <li>{@code LOAD(x, i)} and {@code STORE(x, i, value);}: one element (scalar) or one vector at
 *     element {@code i}; {@code FOLD(d, acc);}: adds the 16 lanes held by {@code acc0, acc1, ...} (or
 *     by the scratch lanes of {@code acc}) to the double {@code d} in {@link Kernel}'s canonical
 *     fold.</li>
 * <li>{@code $W}, {@code $L}, {@code $A}: vector bits, lanes per vector, accumulators.</li>
 * </ul>
 */
public final class KernelGenerator {
    static final Path TEMPLATES = Path.of("src/main/templates");
    static final Path SOURCES = Path.of("src/main/java/org/pamadam/optim");

    private static final Pattern LOAD = Pattern.compile("LOAD\\((\\w+), ([^()]+)\\)");
    private static final Pattern STORE = Pattern.compile("STORE\\((\\w+), ([^,]+), (.*)\\);\\s*$");
    private static final Pattern FOLD = Pattern.compile("^(\\s*)FOLD\\((\\w+), (\\w+)\\);\\s*$");
    private static final Pattern ZERO = Pattern.compile("^(\\s*)ZERO\\(([\\w, ]+)\\);\\s*$");
    private static final Pattern ADD = Pattern.compile("^(\\s*)ADD\\((\\w+), (.*)\\);\\s*$");
    private static final Pattern ADDED = Pattern.compile("ADD\\((\\w+),");
    /**
     * Floats in {@link AccumulatorLanes}' array (its {@code FLOATS}; this class compiles alone, so the
     * number is repeated, and {@link GeneratedKernelsTest} checks the two agree).
     */
    static final int SCRATCH_FLOATS = 64;

    private KernelGenerator() {
    }

    /** Writes every generated kernel under {@code module}'s sources. */
    public static void main(String[] args) throws IOException {
        Path module = Path.of(args.length > 0 ? args[0] : ".");
        for (Map.Entry<String, String> e : generateAll(module).entrySet()) {
            Files.writeString(module.resolve(SOURCES).resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
            System.out.println("wrote " + SOURCES.resolve(e.getKey()));
        }
    }

    /** File name to generated text, for every kernel. */
    static Map<String, String> generateAll(Path module) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        String scalar = Files.readString(module.resolve(TEMPLATES).resolve("ScalarKernel.java.template"));
        out.put("ScalarKernel.java", generate("ScalarKernel.java.template", scalar, 0));
        String vector = Files.readString(module.resolve(TEMPLATES).resolve("VectorKernel.java.template"));
        for (int bits : new int[] {128, 256, 512}) {
            out.put("VectorKernel" + bits + ".java", generate("VectorKernel.java.template", vector, bits));
        }
        return out;
    }

    /** One kernel: {@code bits} 0 for the scalar family, else the vector width. */
    static String generate(String templateName, String template, int bits) {
        int lanes = bits == 0 ? 1 : bits / 32;
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("$W", String.valueOf(bits));
        vars.put("$L", String.valueOf(lanes));
        vars.put("$A", String.valueOf(16 / lanes));
        List<String> lines = List.of(template.split("\n", -1));
        List<String> out = new ArrayList<>();
        out.add("// GENERATED from src/main/templates/" + templateName + " by KernelGenerator (src/test):");
        out.add("// do not edit; edit the template and run tools/generate-kernels.");
        expand(lines, 0, lines.size(), vars, new Context(bits == 0, null, lanes, null), out);
        return String.join("\n", out);
    }

    /**
     * Where the expansion is. {@code bases}: the first lane of each scratch accumulator of the method
     * being written, by name (filled by {@code ZERO}), for one memory kind.
     */
    private record Context(boolean scalar, Boolean heap, int lanes, Map<String, Integer> bases) {
        /** Off-heap in the 128- and 256-bit kernels: {@code ZERO}/{@code ADD} accumulators are scratch lanes. */
        boolean scratch() {
            return !scalar && Boolean.FALSE.equals(heap) && lanes < 16;
        }
    }

    private static void expand(List<String> lines, int from, int to, Map<String, String> vars, Context ctx,
                               List<String> out) {
        int i = from;
        while (i < to) {
            String line = lines.get(i);
            String directive = line.strip();
            if (directive.equals("//@vectors") && ctx.heap == null) {
                throw new IllegalArgumentException("template line " + (i + 1) + ": //@vectors outside a //@memory block");
            } else if (directive.equals("//@vectors") && !ctx.scalar) {
                // One vector per iteration: the block once, for accumulator 0, then the shift.
                int end = matchingEnd(lines, i, to);
                expandFor(0, lines, i + 1, end, vars, ctx, out);
                String first = lines.get(i + 1);
                String indent = first.substring(0, first.length() - first.stripLeading().length());
                for (String acc : accumulators(lines.subList(i + 1, end), ctx)) {
                    String shift = rotate(acc, 16 / ctx.lanes);
                    if (!shift.isEmpty()) {
                        out.add(indent + shift);
                    }
                }
                i = end + 1;
            } else if (directive.equals("//@memory") || directive.equals("//@lanes") || directive.equals("//@vectors")) {
                // In the scalar kernel, //@vectors is //@lanes: a whole 16-element group per iteration.
                int end = matchingEnd(lines, i, to);
                if (directive.equals("//@memory")) {
                    for (boolean heap : new boolean[] {true, false}) {
                        Map<String, String> inner = new LinkedHashMap<>(vars);
                        inner.put("$Floats", heap ? "float[]" : "ByteBuffer");
                        inner.put("$Mem", heap ? "Heap" : "Direct");
                        // Elements per iteration of a //@vectors loop.
                        inner.put("$STEP", ctx.scalar ? "LANES" : String.valueOf(ctx.lanes));
                        if (!heap) {
                            out.add("");
                        }
                        expand(lines, i + 1, end, inner, new Context(ctx.scalar, heap, ctx.lanes, new LinkedHashMap<>()), out);
                    }
                } else {
                    for (int a = 0; a < 16 / ctx.lanes; a++) {
                        expandFor(a, lines, i + 1, end, vars, ctx, out);
                    }
                }
                i = end + 1;
            } else if (directive.startsWith("//@")) {
                throw new IllegalArgumentException("template line " + (i + 1) + ": unexpected " + directive);
            } else {
                out.addAll(substitute(line, vars, ctx));
                i++;
            }
        }
    }

    /** The block {@code [from, to)} for accumulator {@code a}: {@code $a} its number, {@code $OFF} its first element. */
    private static void expandFor(int a, List<String> lines, int from, int to, Map<String, String> vars, Context ctx,
                                  List<String> out) {
        Map<String, String> inner = new LinkedHashMap<>(vars);
        inner.put("$a", String.valueOf(a));
        inner.put("$OFF", String.valueOf(a * ctx.lanes));
        expand(lines, from, to, inner, ctx, out);
    }

    private static int matchingEnd(List<String> lines, int start, int to) {
        int depth = 0;
        for (int i = start; i < to; i++) {
            String d = lines.get(i).strip();
            if (d.equals("//@memory") || d.equals("//@lanes") || d.equals("//@vectors")) {
                depth++;
            } else if (d.equals("//@end") && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("template line " + (start + 1) + ": no matching //@end");
    }

    private static List<String> substitute(String line, Map<String, String> vars, Context ctx) {
        String s = line;
        // Longest names first: $Floats before $Mem and $a, $OFF before $A.
        List<String> names = new ArrayList<>(vars.keySet());
        names.sort((x, y) -> y.length() - x.length());
        for (String name : names) {
            s = s.replace(name, vars.get(name));
        }
        // The first accumulator's offset is 0: "i + 0" reads better as "i".
        s = s.replaceAll("(\\w) \\+ 0\\b(?![.\\w])", "$1");
        Matcher zero = ZERO.matcher(s);
        if (zero.matches()) {
            return zero(zero.group(1), zero.group(2).split(",\\s*"), ctx);
        }
        Matcher add = ADD.matcher(s);
        if (add.matches()) {
            s = add.group(1) + add(add.group(2), add.group(3), vars.get("$a"), ctx);
        }
        Matcher fold = FOLD.matcher(s);
        if (fold.matches()) {
            List<String> out = new ArrayList<>();
            for (String l : fold(fold.group(2), fold.group(3), ctx)) {
                out.add(fold.group(1) + l);
            }
            return out;
        }
        Matcher store = STORE.matcher(s);
        if (store.find()) {
            s = s.substring(0, store.start()) + store(store.group(1), store.group(2), store.group(3), ctx);
        }
        Matcher load = LOAD.matcher(s);
        StringBuilder b = new StringBuilder();
        while (load.find()) {
            load.appendReplacement(b, Matcher.quoteReplacement(load(load.group(1), load.group(2), ctx)));
        }
        load.appendTail(b);
        return List.of(b.toString().replaceAll("\\s+$", ""));
    }

    /**
     * {@code ZERO(names)}: each accumulator at zero. Registers: {@code FloatVector name0 = zero}, and so
     * on for each accumulator number. Scratch: the per-thread array, its first 16 lanes for the first
     * name, the next 16 for the second, and so on, set to zero.
     */
    private static List<String> zero(String indent, String[] names, Context ctx) {
        if (ctx.scalar) {
            throw new IllegalArgumentException("ZERO is for the vector kernels");
        }
        List<String> out = new ArrayList<>();
        if (!ctx.scratch()) {
            for (int a = 0; a < 16 / ctx.lanes; a++) {
                for (String name : names) {
                    out.add(indent + "FloatVector " + name + a + " = FloatVector.zero(S);");
                }
            }
            return out;
        }
        if (16 * names.length > SCRATCH_FLOATS) {
            throw new IllegalArgumentException("ZERO: at most " + SCRATCH_FLOATS / 16 + " scratch accumulators");
        }
        ctx.bases.clear();
        StringBuilder where = new StringBuilder();
        for (String name : names) {
            ctx.bases.put(name, 16 * ctx.bases.size());
            where.append(where.length() == 0 ? " // " : ", ").append(name).append(" at ").append(ctx.bases.get(name));
        }
        out.add(indent + "float[] lanes = AccumulatorLanes.get();" + where);
        out.add(indent + "java.util.Arrays.fill(lanes, 0, " + 16 * names.length + ", 0f);");
        return out;
    }

    /** {@code ADD(name, x)}: {@code x} added into accumulator {@code a}, or into the scratch lanes of element {@code k}. */
    private static String add(String name, String x, String a, Context ctx) {
        if (ctx.scalar || a == null) {
            throw new IllegalArgumentException("ADD is for a //@vectors block of a vector kernel: ADD(" + name + ", ...)");
        }
        if (!ctx.scratch()) {
            return name + a + " = " + name + a + ".add(" + x + ");";
        }
        String at = at(name, "((k - b) & 15)", ctx);
        return "FloatVector.fromArray(S, lanes, " + at + ").add(" + x + ").intoArray(lanes, " + at + ");";
    }

    /** The index in the scratch array of lane {@code lane} (an expression) of accumulator {@code name}. */
    private static String at(String name, String lane, Context ctx) {
        Integer base = ctx.bases.get(name);
        if (base == null) {
            throw new IllegalArgumentException("scratch accumulator " + name + " used before its ZERO");
        }
        if (lane.matches("\\d+")) {
            return String.valueOf(base + Integer.parseInt(lane));
        }
        return base == 0 ? lane : base + " + " + lane;
    }

    /**
     * {@code d += } the canonical fold of the 16 lanes held by accumulators {@code acc0..}: lane j plus
     * lane j+8, then j plus j+4, then j plus j+2, then lane 0 plus lane 1, all in float.
     */
    private static List<String> fold(String d, String acc, Context ctx) {
        if (ctx.scalar) {
            return List.of(d + " += " + tree(acc, 0, 1) + ";");
        }
        String f;
        switch (ctx.lanes) {
            case 16: f = acc + "0"; break;
            case 8: f = acc + "0.add(" + acc + "1)"; break;
            case 4: f = acc + "0.add(" + acc + "2).add(" + acc + "1.add(" + acc + "3))"; break;
            default: throw new IllegalArgumentException("no fold for " + ctx.lanes + " lanes");
        }
        if (ctx.scratch() && ctx.bases.containsKey(acc)) {
            // Accumulator number j is lanes 16 * (its place) + j * $L ... of the scratch array.
            Matcher m = Pattern.compile(acc + "(\\d+)").matcher(f);
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                String lane = String.valueOf(Integer.parseInt(m.group(1)) * ctx.lanes);
                m.appendReplacement(b, Matcher.quoteReplacement("FloatVector.fromArray(S, lanes, " + at(acc, lane, ctx) + ")"));
            }
            m.appendTail(b);
            f = b.toString();
        }
        List<String> out = new ArrayList<>();
        out.add("{");
        out.add("    FloatVector f = " + f + ";");
        for (int half = ctx.lanes / 2; half >= 1; half /= 2) {
            out.add("    f = f.add(f.slice(" + half + "));");
        }
        out.add("    " + d + " += f.lane(0);");
        out.add("}");
        return out;
    }

    /**
     * The register accumulators a //@vectors block adds into, in order: the names written
     * {@code name$a}, and those of {@code ADD(name, ...)} unless they are scratch lanes here.
     */
    private static List<String> accumulators(List<String> block, Context ctx) {
        List<String> names = new ArrayList<>();
        String text = String.join("\n", block);
        Matcher m = Pattern.compile("(\\w+)\\$a\\b").matcher(text);
        while (m.find()) {
            if (!names.contains(m.group(1))) {
                names.add(m.group(1));
            }
        }
        Matcher added = ADDED.matcher(text);
        while (added.find() && !ctx.scratch()) {
            if (!names.contains(added.group(1))) {
                names.add(added.group(1));
            }
        }
        return names;
    }

    /**
     * The shift after one vector of a heap loop: {@code acc0 = acc1, ..., last = the old acc0}, so that
     * the next vector's lanes are in {@code acc0} and element {@code k} of a block lands in lane
     * {@code k mod 16} of the canonical order. A block holds a multiple of 16 elements, so the
     * accumulators are back in place at its end. Nothing for one accumulator.
     */
    private static String rotate(String acc, int count) {
        if (count == 1) {
            return "";
        }
        StringBuilder b = new StringBuilder("FloatVector " + acc + "Next = " + acc + "0;");
        for (int a = 0; a + 1 < count; a++) {
            b.append(" ").append(acc).append(a).append(" = ").append(acc).append(a + 1).append(";");
        }
        b.append(" ").append(acc).append(count - 1).append(" = ").append(acc).append("Next;");
        return b.toString();
    }

    /** The scalar fold of lanes {@code j, j+step, ...}: the sum of the pair trees at distance 8, 4, 2, 1. */
    private static String tree(String acc, int first, int step) {
        if (step == 16) {
            return acc + first;
        }
        return "(" + tree(acc, first, step * 2) + " + " + tree(acc, first + step, step * 2) + ")";
    }

    private static String bytes(String index) {
        return index.matches("\\w+") ? index + " << 2" : "(" + index + ") << 2";
    }

    private static String load(String array, String index, Context ctx) {
        if (ctx.heap == null) {
            throw new IllegalArgumentException("LOAD outside a //@memory block");
        }
        if (ctx.scalar) {
            return ctx.heap ? array + "[" + index + "]" : array + ".getFloat(" + bytes(index) + ")";
        }
        return ctx.heap ? "FloatVector.fromArray(S, " + array + ", " + index + ")"
                : "FloatVector.fromByteBuffer(S, " + array + ", " + bytes(index) + ", NATIVE)";
    }

    private static String store(String array, String index, String value, Context ctx) {
        if (ctx.heap == null) {
            throw new IllegalArgumentException("STORE outside a //@memory block");
        }
        if (ctx.scalar) {
            return ctx.heap ? array + "[" + index + "] = " + value + ";"
                    : array + ".putFloat(" + bytes(index) + ", " + value + ");";
        }
        return ctx.heap ? value + ".intoArray(" + array + ", " + index + ");"
                : value + ".intoByteBuffer(" + array + ", " + bytes(index) + ", NATIVE);";
    }
}
