package org.pamadam.cli.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * A run's training recipe beyond optimizer and lr, as the command line gives it: learning-rate
 * schedule and warmup, global gradient-norm clipping, gradient accumulation, the trust-ratio clamp,
 * weight decay and the tensors without a trust ratio. Null fields are "not set" (the rule's or the
 * engine's default). Validated at construction, with the flag's name in the message.
 *
 * <p>Schedules count optimizer steps (with accumulation, one per {@code accumulate} batches): a
 * warmup of {@code warmup} steps from {@code base/(warmup+1)} to the base lr (torch
 * {@code LinearLR}), then cosine to 0 or linear decay to 0 over the rest of the run, {@code StepLR}
 * ({@code stepSize}, {@code gamma}) or {@code ExponentialLR} ({@code gamma}).
 */
public record Recipe(String schedule, long warmup, Long stepSize, Double gamma, Double maxGradNorm, int accumulate,
                     Double maxRatio, Double weightDecay, String noTrustRatio) {
    public static final List<String> SCHEDULES = List.of("constant", "cosine", "linear", "step", "exp");
    /** Nothing beyond the optimizer's defaults. */
    public static final Recipe NONE = new Recipe("constant", 0, null, null, null, 1, null, null, null);

    public Recipe {
        if (schedule == null || !SCHEDULES.contains(schedule)) {
            throw new IllegalArgumentException("--schedule must be one of " + String.join(", ", SCHEDULES) + ", got '"
                    + schedule + "'");
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0 optimizer steps, got " + warmup);
        }
        if (stepSize != null && !schedule.equals("step")) {
            throw new IllegalArgumentException("--step-size is for --schedule step, not " + schedule);
        }
        if (schedule.equals("step") && (stepSize == null || stepSize < 1)) {
            throw new IllegalArgumentException("--schedule step needs --step-size >= 1 (optimizer steps), got "
                    + stepSize);
        }
        if (gamma != null && !schedule.equals("step") && !schedule.equals("exp")) {
            throw new IllegalArgumentException("--gamma is for --schedule step or exp, not " + schedule);
        }
        if (schedule.equals("exp") && gamma == null) {
            throw new IllegalArgumentException("--schedule exp needs --gamma (the lr factor per step, in (0, 1])");
        }
        if (gamma != null && !(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("--gamma must be in (0, 1], got " + gamma);
        }
        if (maxGradNorm != null && !(maxGradNorm > 0 && maxGradNorm < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--max-grad-norm must be a finite number > 0, got " + maxGradNorm);
        }
        if (accumulate < 1) {
            throw new IllegalArgumentException("--accumulate must be >= 1 batches per optimizer step, got " + accumulate);
        }
        if (maxRatio != null && !(maxRatio > 0 && maxRatio < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--max-ratio must be a finite number > 0, got " + maxRatio);
        }
        if (weightDecay != null && !(weightDecay >= 0 && weightDecay < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--weight-decay must be a finite number >= 0, got " + weightDecay);
        }
        if (noTrustRatio != null) {
            try {
                Pattern.compile(noTrustRatio);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("--no-adapt: '" + noTrustRatio
                        + "' is not a valid regular expression: " + e.getDescription());
            }
        }
    }

    /** The optimizer's rule at {@code lr} with this recipe's weight decay and ratio clamp. */
    public Rule rule(String optimizer, double lr) {
        Rule.Builder b = Rule.named(optimizer).lr(lr);
        if (weightDecay != null) {
            b.weightDecay(weightDecay);
        }
        if (maxRatio != null) {
            b.maxRatio(maxRatio);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(optimizer + ": " + e.getMessage(), e);
        }
    }

    /** True when the run's tensor {@code name} takes a plain step (ratio 1). */
    public boolean plain(String name) {
        return noTrustRatio != null && Pattern.compile(noTrustRatio).matcher(name).matches();
    }

    /** Optimizer steps in a run of {@code epochs} epochs of {@code batches} batches. */
    public long optimizerSteps(int epochs, int batches) {
        return (long) epochs * ((batches + accumulate - 1) / accumulate);
    }

    /**
     * The schedule over a run of {@code totalSteps} optimizer steps, or null for a constant lr.
     *
     * @throws IllegalArgumentException when the warmup leaves no step for the schedule after it
     */
    public Schedule schedule(long totalSteps) {
        if (schedule.equals("constant") && warmup == 0) {
            return null;
        }
        long rest = totalSteps - warmup;
        if (rest < 1 && (schedule.equals("cosine") || schedule.equals("linear"))) {
            throw new IllegalArgumentException("--warmup " + warmup + " leaves no step of the run's " + totalSteps
                    + " optimizer steps for the " + schedule + " schedule");
        }
        Schedule after;
        switch (schedule) {
            case "cosine": after = Schedule.cosine(rest, 0.0); break;
            case "linear": after = Schedule.linearDecay(rest, 0.0); break;
            case "step": after = Schedule.step(stepSize, gamma == null ? 0.1 : gamma); break;
            case "exp": after = Schedule.exponential(gamma); break;
            default: after = Schedule.constant(); break;
        }
        return warmup == 0 ? after : Schedule.withWarmup(warmup, 1.0 / (warmup + 1), after);
    }

    /** One line for reports, e.g. {@code cosine, warmup 200, max-grad-norm 1.0}; "defaults" when none. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (!schedule.equals("constant")) {
            parts.add(schedule + (stepSize != null ? " step-size " + stepSize : "") + (gamma != null ? " gamma " + gamma
                    : ""));
        }
        if (warmup > 0) {
            parts.add("warmup " + warmup);
        }
        if (maxGradNorm != null) {
            parts.add("max-grad-norm " + maxGradNorm);
        }
        if (accumulate > 1) {
            parts.add("accumulate " + accumulate);
        }
        if (maxRatio != null) {
            parts.add("max-ratio " + maxRatio);
        }
        if (weightDecay != null) {
            parts.add("weight-decay " + weightDecay);
        }
        if (noTrustRatio != null) {
            parts.add("no-adapt '" + noTrustRatio + "'");
        }
        return parts.isEmpty() ? "defaults" : String.join(", ", parts);
    }

    /** Writes the recipe as {@code recipe.*} properties (for the training checkpoint). */
    public void store(Properties p) {
        p.setProperty("recipe.schedule", schedule);
        p.setProperty("recipe.warmup", Long.toString(warmup));
        p.setProperty("recipe.accumulate", Integer.toString(accumulate));
        put(p, "recipe.stepSize", stepSize);
        put(p, "recipe.gamma", gamma);
        put(p, "recipe.maxGradNorm", maxGradNorm);
        put(p, "recipe.maxRatio", maxRatio);
        put(p, "recipe.weightDecay", weightDecay);
        if (noTrustRatio != null) {
            p.setProperty("recipe.noTrustRatio", noTrustRatio);
        }
    }

    /** Reads what {@link #store} wrote; a checkpoint from before recipes reads as {@link #NONE}. */
    public static Recipe load(Properties p) {
        if (p.getProperty("recipe.schedule") == null) {
            return NONE;
        }
        String stepSize = p.getProperty("recipe.stepSize");
        return new Recipe(p.getProperty("recipe.schedule"), Long.parseLong(p.getProperty("recipe.warmup")),
                stepSize == null ? null : Long.parseLong(stepSize), number(p, "recipe.gamma"),
                number(p, "recipe.maxGradNorm"), Integer.parseInt(p.getProperty("recipe.accumulate")),
                number(p, "recipe.maxRatio"), number(p, "recipe.weightDecay"), p.getProperty("recipe.noTrustRatio"));
    }

    private static void put(Properties p, String key, Object value) {
        if (value != null) {
            p.setProperty(key, value.toString());
        }
    }

    private static Double number(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null ? null : Double.parseDouble(v);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Recipe(%s)", describe());
    }
}
