/**
 * @module The motivational quotes written for Inspire. Each activity has its own lines, each tied to
 * a goal; each line is finished in every tone, so every quote is tagged by goal, activity and tone.
 */
import { TONES, type ActivityName, type Goal } from "../../domain/vocabulary.ts";

type Tone = (typeof TONES)[number];

const LINES: Record<ActivityName, Array<[Goal, string]>> = {
  running: [
    ["improve_endurance", "The first mile argues with you; the third one agrees."],
    ["improve_endurance", "Every long run is a letter to the runner you will be in spring."],
    ["lose_weight", "Your shoes already know the way out the door."],
    ["improve_performance", "Speed is patience, stacked one easy kilometre at a time."],
    ["stay_active", "A slow run still laps everyone on the couch."],
    ["reduce_stress", "Run until the noise in your head matches the rhythm of your feet."],
  ],
  yoga: [
    ["reduce_stress", "Breathe in for four, out for six, and let the day loosen its grip."],
    ["reduce_stress", "The mat is the one place nobody needs anything from you."],
    ["stay_active", "Flexibility is built in the poses you almost skipped."],
    ["improve_performance", "Balance on one foot today, stand taller on two tomorrow."],
    ["build_strength", "Holding still is its own kind of strength."],
    ["lose_weight", "Slow flows still count; every breath moves you forward."],
  ],
  training: [
    ["build_strength", "The bar does not care how you feel; it only counts the reps."],
    ["build_strength", "Add one plate, one rep or one second of control, and call it progress."],
    ["lose_weight", "Muscle is the furnace that keeps burning after you leave the gym."],
    ["improve_performance", "Strong legs, strong lungs, strong finish."],
    ["stay_active", "Thirty minutes under load beats an hour of planning to lift."],
    ["reduce_stress", "Leave the worries on the rack with the weights you put away."],
  ],
  cycling: [
    ["improve_endurance", "Hills are just the road asking how badly you want the view."],
    ["improve_endurance", "Spin the easy gear today so you can push the big one next month."],
    ["lose_weight", "Every pedal stroke is a small promise kept."],
    ["stay_active", "The best ride is the one that starts at your front door."],
    ["improve_performance", "Cadence first, watts follow."],
    ["reduce_stress", "Wind in your face clears more than your lungs."],
  ],
  swimming: [
    ["improve_endurance", "Long strokes, steady breath, one more length."],
    ["stay_active", "The water holds you up so you can keep moving."],
    ["reduce_stress", "Under water the world goes quiet; listen to it."],
    ["lose_weight", "Laps add up faster than you think."],
    ["improve_performance", "Good form is free speed in the pool."],
    ["build_strength", "Pull the water like it owes you something."],
  ],
  basketball: [
    ["improve_performance", "Make the extra pass, take the open shot, sprint back on defense."],
    ["improve_performance", "Free throws are won in the empty gym."],
    ["stay_active", "Pickup games are cardio that keeps score."],
    ["build_strength", "Strong legs win rebounds in the fourth quarter."],
    ["lose_weight", "Every fast break burns more than you noticed."],
    ["reduce_stress", "Nothing clears a long week like the sound of a clean swish."],
  ],
  soccer: [
    ["improve_performance", "The ninetieth minute belongs to whoever trained the first eighty-nine."],
    ["improve_endurance", "Run for your teammate; they are running for you."],
    ["stay_active", "A ball at your feet turns any field into a workout."],
    ["build_strength", "Strong hips, strong tackles, strong finish."],
    ["lose_weight", "Chase the ball, not the calories; they will follow."],
    ["reduce_stress", "Ninety minutes of focus leaves no room for worry."],
  ],
  tennis: [
    ["improve_performance", "Every rally is a conversation; get the last word."],
    ["improve_performance", "Footwork first: the racket only finishes what your legs start."],
    ["stay_active", "One more set is always a good idea."],
    ["improve_endurance", "The long rallies are where matches are decided."],
    ["reduce_stress", "Hit the ball, not the thought."],
    ["lose_weight", "Short sprints, quick stops, big results."],
  ],
  walking: [
    ["stay_active", "Ten thousand steps begin with putting on your shoes."],
    ["stay_active", "Take the long way home; your heart will thank you."],
    ["reduce_stress", "A walk is the simplest way to think clearly."],
    ["lose_weight", "Brisk steps, steady progress, no finish line required."],
    ["improve_endurance", "Walk a little farther than yesterday."],
    ["improve_performance", "Good posture turns a stroll into training."],
  ],
  hiit: [
    ["lose_weight", "Twenty seconds of hard work, ten seconds of rest, and a better you at the end."],
    ["lose_weight", "Short workouts are no excuse for soft effort."],
    ["build_strength", "Burpees build character one awkward rep at a time."],
    ["improve_endurance", "Interval by interval, your ceiling rises."],
    ["improve_performance", "Max effort is a skill; practise it."],
    ["stay_active", "No time is not a reason when the workout takes twenty minutes."],
  ],
  pilates: [
    ["build_strength", "Your core is the engine every other movement runs on."],
    ["reduce_stress", "Precise movement leaves no room for scattered thoughts."],
    ["stay_active", "Small controlled movements add up to big changes."],
    ["improve_performance", "Control beats momentum every single time."],
    ["lose_weight", "Slow burn is still a burn."],
    ["reduce_stress", "Lengthen, breathe, and let tension go."],
  ],
  hiking: [
    ["improve_endurance", "The summit is optional; the climb is the point."],
    ["reduce_stress", "Trees do not check their email; neither should you today."],
    ["stay_active", "Every trail starts with the decision to go outside."],
    ["lose_weight", "Uphill is the best gym with the best view."],
    ["build_strength", "Heavy pack, steady legs, clear head."],
    ["improve_performance", "Pace yourself like the trail is longer than the map says."],
  ],
};

const CLOSERS: Record<Tone, string[]> = {
  energetic: ["Let's go!", "Today is the day — move!", "Bring the energy!"],
  calm: ["Take it one breath at a time.", "Ease into it; consistency wins.", "Be gentle, be steady."],
  "tough-love": ["No excuses today.", "Nobody is coming to do it for you.", "Comfort never built anything."],
  reflective: ["Notice how far you have come.", "Remember why you started.", "Small steps become a long road."],
  playful: ["Your future self just high-fived you.", "Go make your fitness tracker jealous.", "Sweat now, brag later."],
};

export type Quote = { quoteId: number; text: string; author: string; goal: Goal; activityType: ActivityName; tone: Tone };

export const QUOTES: Quote[] = Object.entries(LINES).flatMap(([activity, lines], a) =>
  lines.flatMap(([goal, line], l) =>
    TONES.map((tone, t) => {
      const closers = CLOSERS[tone];
      return { goal, activityType: activity as ActivityName, tone, text: `${line} ${closers[(a + l + t) % closers.length]}`, author: "Nike Inspire" };
    }),
  ),
).map((quote, i) => ({ quoteId: i + 1, ...quote }));
