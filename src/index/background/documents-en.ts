/**
 * @module The English half of the background corpus (see `corpus.ts`): short skill-like documents
 * across many domains, written for this project. One block per document, separated by a blank line:
 * the first line is `name | description`, the following lines are its instructions.
 */
export const ENGLISH_BACKGROUND = `
weekly-status-email | Writes a short weekly status email for a manager. Use when summarising a week of work.
Open with the one result that matters most this week.
List blockers separately, each with the person who can unblock it.
Keep the whole email under 150 words and skip greetings beyond one line.

cover-letter-tailoring | Tailors a cover letter to a specific job posting.
Mirror two or three requirements from the posting with concrete evidence from past roles.
Do not repeat the resume line by line.
End with a single sentence proposing a conversation.

academic-abstract | Drafts an abstract for a research paper in the usual four moves.
State the problem, the method, the main quantitative finding and the implication.
Avoid citations and undefined abbreviations in the abstract.
Respect the venue's word limit, usually 150 to 250 words.

plain-language-rewrite | Rewrites dense text in plain language for a general audience.
Prefer short sentences and common words; define any term that must stay.
Use active voice and address the reader directly.
Keep every fact of the original; do not simplify by dropping content.

blog-post-outline | Builds an outline for a technical blog post before drafting.
Start from the reader's question and the single takeaway.
Give each section a heading that states its point, not a topic label.
Mark where code samples or diagrams belong.

copyediting-pass | Performs a copyediting pass on a manuscript.
Fix grammar, spelling and punctuation without changing the author's voice.
Flag inconsistent capitalisation and hyphenation in a style sheet.
Query factual doubts in comments instead of rewriting them.

headline-variants | Proposes headline variants for an article or landing page.
Offer five options: one literal, one with a number, one question, one benefit-led, one short.
Stay under 70 characters so search results do not truncate them.

meeting-minutes | Turns raw meeting notes into minutes with decisions and action items.
Record decisions in one line each with the reason.
Action items need an owner and a due date; leave a visible gap if either is unknown.
Do not attribute opinions to people by name unless asked.

translation-review | Reviews a translation against its source text.
Check numbers, names, dates and negations first; they are the costliest errors.
Prefer natural target-language phrasing over word-for-word fidelity.
List terminology choices in a short glossary for the next translator.

speech-draft | Drafts a short speech for a wedding, farewell or award.
Aim for three to four minutes spoken, roughly 500 words.
Use one personal story rather than a list of compliments.
Write for the ear: repeat the key line, avoid long subordinate clauses.

python-code-review | Reviews Python pull requests for correctness and readability.
Check error handling, resource cleanup with context managers, and mutable default arguments.
Prefer type hints on public functions and dataclasses over loose dicts.
Comment on behaviour first, style last.

typescript-strictness | Writes TypeScript with strict compiler settings.
Never use any; narrow unknown values with type guards or a schema validator.
Prefer discriminated unions over optional flags.
Export named functions only and keep modules small.

sql-query-style | Formats SQL queries for readability and review.
Uppercase keywords, one clause per line, explicit column lists instead of select star.
Qualify columns with table aliases in joins.
Add a comment explaining any non-obvious filter.

git-commit-messages | Writes git commit messages that explain why a change was made.
Subject line in the imperative mood, under 72 characters.
Body wraps at 72 columns and describes the motivation and any trade-off.
Reference the issue number at the end.

unit-test-design | Designs unit tests for a function or class.
Cover the normal case, boundaries, empty input and error paths.
One behaviour per test, named after that behaviour.
Avoid sleeping in tests; inject clocks and random sources.

api-error-design | Designs error responses for an HTTP API.
Return a stable machine-readable code, a human message and a request id.
Use 4xx for caller mistakes and 5xx only for server faults.
Never leak stack traces or secrets in error bodies.

regex-explainer | Explains and writes regular expressions.
Break the pattern into parts and describe each in plain words.
Provide matching and non-matching examples.
Warn about catastrophic backtracking in nested quantifiers.

refactoring-plan | Plans a refactoring of legacy code without changing behaviour.
Add characterisation tests before moving code.
Change one thing per commit so each step can be reverted.
Keep the public interface stable until callers are migrated.

bash-script-safety | Writes shell scripts that fail safely.
Start with set -euo pipefail and quote every variable expansion.
Use mktemp for temporary files and clean up with a trap.
Check required commands exist before running.

dockerfile-best-practice | Writes small, reproducible Dockerfiles.
Use multi-stage builds and pin base image versions.
Run as a non-root user and copy only what the runtime needs.
Order layers so dependency installs are cached.

data-cleaning-pandas | Cleans a tabular dataset with pandas.
Report missing values per column before filling anything.
Parse dates explicitly with a format string.
Keep the raw file untouched and write the cleaned data to a new file.

chart-choice | Chooses the right chart for a dataset and a question.
Use bars for comparing categories, lines for trends over time, scatter for relationships.
Start bar axes at zero; label units on every axis.
Avoid pie charts with more than four slices.

ab-test-analysis | Analyses an A/B test result.
State the hypothesis and the primary metric before looking at the data.
Report effect size with a confidence interval, not only a p-value.
Check sample ratio mismatch before trusting any result.

dashboard-design | Designs an operational dashboard.
Put the three most important indicators at the top left.
Show thresholds and targets next to each metric.
Every chart answers one question stated in its title.

spreadsheet-formulas | Builds spreadsheet formulas and models.
Keep inputs, calculations and outputs on separate sheets.
Prefer lookup functions over hard-coded values; never type a constant twice.
Colour input cells consistently.

ml-experiment-log | Keeps a log of machine learning experiments.
Record data version, code commit, hyperparameters and random seed for each run.
Compare against a simple baseline before tuning.
Report validation metrics, not training metrics.

feature-engineering | Engineers features for a tabular prediction model.
Compute features only from information available at prediction time to avoid leakage.
Scale numeric features inside the cross-validation fold.
Document each feature's meaning and source.

survey-design | Designs a questionnaire for a survey.
Ask one thing per question and avoid leading wording.
Offer balanced answer scales with a neutral option when appropriate.
Pilot the survey with five people before sending it.

statistics-explainer | Explains a statistical concept to a non-specialist.
Start with an everyday example, then give the formal definition.
Show one worked numeric example.
Point out the most common misinterpretation.

incident-postmortem | Writes a blameless postmortem after a production incident.
Give a timeline with timestamps, impact, root cause and contributing factors.
List follow-up actions with owners and dates.
Describe systems and decisions, not individual mistakes.

on-call-handover | Prepares an on-call handover note.
List open incidents, noisy alerts and any risky changes scheduled this week.
Link runbooks for each alert mentioned.
Keep it to one screen.

terraform-module | Writes Terraform modules for cloud infrastructure.
Expose variables with descriptions and sensible defaults.
Tag every resource with owner and environment.
Run plan in CI and require review before apply.

kubernetes-manifests | Writes Kubernetes manifests for a service.
Set resource requests and limits, readiness and liveness probes.
Never put secrets in plain config maps.
Use labels consistently for selectors and monitoring.

log-analysis | Investigates an issue from application logs.
Narrow the time window first, then filter by request or trace id.
Compare with a healthy period to spot what changed.
Quote the exact log lines that support the conclusion.

security-review | Reviews a design or code change for security risks.
Check authentication, authorisation, input validation and secret handling.
Think about who can call each endpoint and with what data.
Rate each finding by likelihood and impact.

password-policy | Advises on password and account security for a small team.
Recommend a password manager and multi-factor authentication for every account.
Prefer long passphrases over complex short passwords.
Rotate credentials immediately when someone leaves.

backup-strategy | Plans backups for a small business or home.
Follow the three-two-one rule: three copies, two media, one off site.
Test restoring from backup at least every quarter.
Encrypt backups that leave the building.

mobile-app-ux | Reviews the user experience of a mobile app screen.
Check tap target size, contrast and one-handed reach.
Keep the primary action visible without scrolling.
Write error messages that say how to recover.

accessibility-audit | Audits a web page for accessibility.
Check keyboard navigation, focus order and visible focus states.
Every image needs alternative text; decorative images get empty alt.
Colour contrast must meet the WCAG AA ratio.

css-layout | Builds page layouts with modern CSS.
Use flexbox for one-dimensional layouts and grid for two-dimensional ones.
Avoid fixed pixel heights on text containers.
Design mobile first and add breakpoints as content demands.

logo-brief | Writes a design brief for a logo.
Describe the audience, the values to convey and where the logo will appear.
List competitors to stand apart from.
Ask for a version that works in one colour and at small sizes.

presentation-slides | Structures slides for a talk.
One idea per slide, stated as a full-sentence headline.
No more than about twenty words of body text per slide.
Close with the action you want the audience to take.

product-requirements | Writes a product requirements document.
Start with the user problem and evidence for it.
Define success metrics and what is explicitly out of scope.
Keep solutions separate from requirements.

user-story-writing | Writes user stories with acceptance criteria.
Use the format as a role, I want a capability, so that a benefit.
Give testable acceptance criteria as given, when, then.
Split stories that cannot be finished in a few days.

roadmap-prioritisation | Prioritises a product roadmap.
Score items by reach, impact, confidence and effort.
Make the assumptions behind each score visible.
Revisit the ranking when new evidence arrives rather than on a fixed schedule.

sprint-retrospective | Facilitates a sprint retrospective.
Ask what went well, what did not, and what to try next.
Pick at most two improvements and give each an owner.
Check last retrospective's actions first.

project-risk-register | Maintains a risk register for a project.
Describe each risk as cause, event and consequence.
Rate probability and impact and name a mitigation owner.
Review the top risks in every status meeting.

seo-page-audit | Audits a web page for search engine optimisation.
Check the title tag, meta description, headings and internal links.
Make sure the page answers the search intent in the first paragraph.
Flag slow loading images and missing structured data.

newsletter-writing | Writes a company newsletter.
Lead with the story most relevant to readers, not to the company.
Keep each item to a short paragraph with one link.
Use a consistent sender name and a clear subject line.

social-media-post | Writes posts for social media accounts.
Adapt length and tone to each platform.
Put the hook in the first line and a single call to action at the end.
Use at most three hashtags.

sales-follow-up | Writes a follow-up message after a sales call.
Recap the customer's problem in their words.
Confirm next steps and dates agreed on the call.
Attach only the materials that were promised.

customer-support-reply | Replies to a customer support ticket.
Acknowledge the problem, give the fix or the next step, and set expectations on timing.
Use the customer's name and avoid internal jargon.
Never blame the customer.

refund-request-handling | Handles refund requests according to policy.
Check purchase date and condition against the refund policy before replying.
Explain the decision and any alternative such as store credit.
Log the case with its reason code.

invoice-preparation | Prepares invoices for freelance work.
Include invoice number, dates, itemised services, rates, taxes and payment terms.
State the currency explicitly.
Send a reminder politely a few days after the due date.

monthly-budget | Builds a monthly household budget.
List fixed costs first, then variable spending and savings goals.
Base estimates on the last three months of actual spending.
Keep an emergency buffer line.

investment-explainer | Explains investment concepts without giving personal advice.
Describe risk, return, diversification and fees in plain terms.
Use historical ranges, not predictions.
Remind the reader to consider their own situation or a licensed adviser.

tax-document-checklist | Prepares a checklist of documents for filing personal taxes.
Group items by income, deductions and credits.
Note deadlines and where each document usually comes from.
Do not guess amounts; leave blanks for the user to fill.

bookkeeping-categories | Categorises business transactions for bookkeeping.
Use a consistent chart of accounts.
Split mixed personal and business purchases.
Keep receipts linked to each entry.

contract-review | Reviews a commercial contract for a non-lawyer.
Summarise parties, term, payment, termination, liability and governing law.
Highlight unusual or one-sided clauses.
Say clearly that this is not legal advice.

privacy-policy-summary | Summarises a privacy policy for users.
Explain what data is collected, why, who receives it and how long it is kept.
Point out how to opt out or delete data.
Avoid legal jargon.

nda-drafting | Drafts a simple mutual non-disclosure agreement.
Define confidential information and its exclusions.
Set the duration of obligations and permitted disclosures.
Leave placeholders for names, dates and jurisdiction.

job-description | Writes a job description for a hiring post.
Describe the team, the problems the role solves and the first six months.
Separate must-have from nice-to-have requirements.
Use inclusive language and state the salary range.

interview-questions | Prepares structured interview questions.
Ask for specific past examples tied to each competency.
Use the same questions for every candidate.
Write a scoring guide before the interviews.

performance-review | Writes a performance review.
Give specific examples for strengths and areas to grow.
Separate observations from interpretations.
Agree on two or three goals for the next period.

onboarding-plan | Creates an onboarding plan for a new employee.
Plan the first day, first week and first month separately.
Assign a buddy and schedule early check-ins.
List the accounts and tools to set up before day one.

lesson-plan | Writes a lesson plan for a class.
State learning objectives in terms of what students will be able to do.
Include a warm-up, guided practice, independent practice and a short check.
Note materials and timing for each part.

quiz-generation | Generates quiz questions from study material.
Mix recall, understanding and application questions.
Write plausible distractors for multiple choice.
Provide the answer key with a one-line explanation each.

essay-feedback | Gives feedback on a student essay.
Comment on argument, structure and evidence before grammar.
Name one strength and at most three priorities for revision.
Ask questions that lead the student to improve rather than rewriting for them.

math-tutoring | Tutors a student through a maths problem.
Ask what they have tried before giving hints.
Give one step at a time and let the student do the arithmetic.
Check understanding with a similar problem at the end.

flashcard-creation | Creates flashcards for spaced repetition.
One fact per card, phrased as a question.
Keep answers short and unambiguous.
Add context or an example only when needed to disambiguate.

reading-comprehension | Builds reading comprehension exercises.
Choose a passage at the right level and write questions on main idea, detail and inference.
Include a vocabulary section with words from the text.

physics-problem-solving | Solves physics problems step by step.
Draw or describe the diagram and list known and unknown quantities.
Write the governing equations before substituting numbers.
Check units and order of magnitude of the answer.

chemistry-lab-report | Writes a chemistry lab report.
Include aim, materials, method, results, discussion and sources of error.
Report measurements with units and appropriate significant figures.
Write the method in past tense and passive voice.

biology-concept-map | Builds a concept map for a biology topic.
Place the central concept in the middle and link processes with labelled arrows.
Add one example organism for each branch.

literature-review | Structures a literature review.
Group studies by theme or method, not one summary per paper.
Point out agreements, contradictions and gaps.
Cite consistently in the required style.

citation-formatting | Formats references in a citation style.
Follow the requested style exactly: APA, MLA, Chicago or IEEE.
Include DOIs when available.
Alphabetise or number entries as the style requires.

research-proposal | Writes a research proposal.
Explain the question, why it matters, the method and the expected contribution.
Include a timeline and a budget justification.
Anticipate reviewers' main objection.

grant-application | Prepares a grant application narrative.
Align every section with the funder's stated criteria.
Quantify expected outcomes.
Keep a table of deliverables and milestones.

peer-review-report | Writes a peer review of a manuscript.
Summarise the contribution in your own words first.
Separate major concerns from minor comments.
Be specific about what analysis or evidence would address each concern.

recipe-adaptation | Adapts a recipe for dietary needs or a different serving size.
Scale ingredients proportionally and adjust cooking times for larger volumes.
Suggest substitutions for allergens and explain the texture effect.
Keep metric and imperial measurements side by side.

weekly-meal-plan | Plans a week of meals.
Balance protein, vegetables and whole grains across the week.
Reuse ingredients to reduce waste and shopping cost.
Produce a grocery list grouped by store section.

baking-troubleshooting | Troubleshoots baking problems.
Ask about oven temperature, measurements and ingredient freshness.
Explain the likely cause of dense bread, sunken cakes or spreading cookies.
Suggest one change at a time.

wine-pairing | Suggests wine pairings for a meal.
Match the weight of the wine to the weight of the dish.
Offer one red, one white and one non-alcoholic option.
Mention the price range.

nutrition-label-reading | Explains how to read a nutrition label.
Start with serving size, then calories, then nutrients to limit and to get enough of.
Compare products per 100 grams.

workout-plan | Designs a weekly workout plan.
Balance strength, cardio and mobility, with rest days.
Progress load gradually, about ten percent per week at most.
Include warm-up and cool-down.

running-training | Builds a training plan for a running race.
Most runs at an easy conversational pace.
One long run per week increasing gradually, and a taper before the race.

sleep-hygiene | Gives sleep hygiene advice.
Keep a consistent wake time, a dark cool room and no screens before bed.
Limit caffeine after noon.
Suggest seeing a doctor for persistent insomnia.

symptom-information | Provides general information about symptoms.
Describe common causes and self-care in neutral language.
List warning signs that need urgent care.
Never diagnose; recommend a healthcare professional.

trip-itinerary | Plans a travel itinerary.
Group sights by neighbourhood to limit travel time.
Leave a free half day for rest or weather.
Note opening days and booking requirements.

packing-list | Creates a packing list for a trip.
Base it on climate, length of stay and activities.
Group items into clothes, toiletries, documents and electronics.
Flag items that need charging or adapters.

visa-requirements-check | Checks entry requirements for international travel.
List passport validity, visa type and any health or insurance documents.
Point to the official government source and say rules change.

budget-travel | Finds ways to travel on a budget.
Compare flexible dates and nearby airports.
Suggest public transport passes and free attractions.
Warn about hidden fees on cheap fares.

hotel-review | Writes a hotel review.
Cover location, room, cleanliness, staff and value.
Mention the dates of stay and type of trip.
Keep it balanced and specific.

music-practice | Plans daily instrument practice.
Warm up, then technique, then repertoire, then something fun.
Use a metronome and slow down difficult passages.
Record yourself weekly.

songwriting | Helps write song lyrics.
Establish the hook in the chorus and keep verses concrete.
Use internal rhyme and vary line length.
Keep syllable counts singable.

photo-editing | Edits photos for publication.
Correct exposure and white balance before creative adjustments.
Crop to strengthen composition; straighten horizons.
Export in the right colour space and size for the destination.

video-script | Writes a script for a short video.
Hook in the first five seconds.
Write for the visuals: describe shots alongside narration.
End with a single call to action.

podcast-episode-notes | Writes show notes for a podcast episode.
Summarise the episode in two sentences and list timestamps of topics.
Link every resource mentioned.

game-design-doc | Writes a game design document.
Describe the core loop, win and lose conditions and player progression.
Sketch the controls and the first five minutes of play.

board-game-rules | Explains the rules of a board game.
Start with the goal, then a turn, then special cases.
Teach by playing an example round.

gardening-schedule | Plans a vegetable garden schedule.
Use the local last-frost date to time sowing.
Rotate crop families each year.
Water deeply and less often.

houseplant-care | Advises on houseplant care.
Match light, water and humidity to the species.
Most houseplants die from overwatering; check soil before watering.

home-repair | Guides simple home repairs.
List tools and materials first and safety precautions.
Turn off water or power before starting.
Say when to call a professional.

moving-checklist | Creates a checklist for moving house.
Order tasks by weeks before the move.
Include address changes, utilities and packing by room.

parenting-routine | Suggests routines for young children.
Keep bedtime consistent and predictable.
Offer limited choices to reduce conflict.
Praise effort rather than outcome.

pet-care | Gives pet care advice.
Cover diet, exercise, grooming and vaccination schedules for the species.
Recommend a veterinarian for any sudden change in behaviour.

language-learning-plan | Designs a plan for learning a foreign language.
Combine daily vocabulary review with listening and speaking practice.
Set goals in terms of tasks, for example ordering a meal.
Track progress every month.

grammar-explanation | Explains a grammar point of a foreign language.
Give the rule, three example sentences and common mistakes.
Compare with the learner's native language where helpful.

history-summary | Summarises a historical event.
Give causes, key actors, main events and consequences.
Use dates and places precisely.
Distinguish established facts from interpretations.

philosophy-argument | Analyses a philosophical argument.
Restate it as numbered premises and a conclusion.
Test each premise and look for counterexamples.

book-summary | Summarises a non-fiction book.
State the central thesis in one sentence.
List the main ideas with one supporting example each.
End with who would benefit from reading it.

fiction-critique | Critiques a short story draft.
Comment on character motivation, pacing and point of view.
Quote passages that work well and ones that confuse.

poetry-writing | Writes poems on request.
Respect the requested form such as sonnet or free verse.
Prefer concrete images over abstract statements.

children-story | Writes a bedtime story for young children.
Use simple words, repetition and a gentle ending.
Keep it under five minutes read aloud.

event-planning | Plans an event.
Set the budget, guest count and date first.
Build a timeline backwards from the event day.
Have a rain plan for outdoor events.

wedding-toast | Writes a wedding toast.
Introduce your connection to the couple.
Share one warm story and end by raising a glass.

real-estate-listing | Writes a real estate listing.
Lead with the strongest feature and the neighbourhood.
Give accurate size, rooms and condition.
Avoid exaggerated adjectives.

car-maintenance | Explains routine car maintenance.
Follow the manufacturer's schedule for oil, filters and tyres.
Check tyre pressure monthly.
Describe warning lights that need immediate attention.

resume-review | Reviews a resume.
Lead each bullet with an action verb and a measurable result.
Keep it to one page for early career.
Remove photos and personal details not needed for the role.

negotiation-prep | Prepares for a negotiation.
Define your walk-away point and your target.
Research the other side's interests.
Plan concessions in advance.

conflict-mediation | Helps mediate a conflict between colleagues.
Let each side describe the issue without interruption.
Focus on interests, not positions.
Agree on concrete next steps.

time-management | Suggests time management techniques.
Block focused time for the most important task first.
Batch small tasks and limit notifications.
Review the week every Friday.

note-taking-system | Designs a personal note-taking system.
Capture quickly, then process notes into topics weekly.
Link related notes and write in your own words.

decision-memo | Writes a decision memo.
State the decision needed, options, criteria and a recommendation.
Note risks and what would change the recommendation.

procurement-comparison | Compares vendors for a purchase.
Build a table of price, features, support and contract terms.
Weight the criteria before scoring.
Ask for references.

inventory-management | Manages inventory for a small shop.
Track stock levels and reorder points.
Count physically every month and reconcile.

supply-chain-analysis | Analyses a supply chain for risks.
Map suppliers by tier and identify single points of failure.
Estimate lead times and buffer needs.

environmental-report | Writes a sustainability report section.
Report emissions by scope with the method used.
Set targets with a baseline year.
Avoid vague claims like eco-friendly.

climate-science-explainer | Explains climate science for a general audience.
Separate observations, mechanisms and projections.
Cite reputable assessments and give uncertainty ranges.

astronomy-observing | Plans a night of stargazing.
Check moon phase and cloud cover.
List visible planets and bright objects for the date.
Let eyes adapt to the dark for twenty minutes.

electronics-project | Guides a hobby electronics project.
List components and a wiring diagram.
Check polarity and current limits before powering on.

3d-printing | Troubleshoots 3D printing problems.
Check bed levelling, first layer adhesion and filament temperature.
Change one setting at a time.

database-migration | Plans a database schema migration.
Make changes backwards compatible: expand, migrate data, then contract.
Test on a copy of production data.
Have a rollback plan.

api-documentation | Writes API reference documentation.
Document every endpoint with parameters, example request and response.
Describe error codes and rate limits.

readme-writing | Writes a README for a software project.
Explain what it does, how to install it and a minimal example.
Add how to run tests and contribute.

code-comments | Writes code comments.
Comment why, not what.
Keep comments next to the code they describe and update them with it.

performance-profiling | Profiles and speeds up slow code.
Measure before optimising and find the hottest function.
Optimise algorithms before micro-tuning.
Keep a benchmark to prevent regressions.

caching-strategy | Designs a caching strategy for a web service.
Decide what to cache, for how long, and how to invalidate.
Protect against cache stampedes.

concurrency-bugs | Diagnoses concurrency bugs.
Look for shared mutable state and missing locks.
Reproduce with stress tests and added delays.

frontend-state | Manages state in a frontend application.
Keep server state and UI state separate.
Derive values instead of storing duplicates.

react-components | Writes React components.
Keep components small and props explicit.
Lift state only as far as needed.
Memoise only after measuring.

mobile-release-notes | Writes app store release notes.
Lead with user-visible improvements.
Keep each line short and friendly.

data-privacy-compliance | Checks a feature for data protection compliance.
Identify personal data, legal basis and retention.
Minimise collection and document consent.

email-etiquette | Writes polite professional emails.
Use a clear subject, a greeting and a specific request.
Keep paragraphs short and sign off consistently.

apology-letter | Writes an apology letter.
Acknowledge the impact, take responsibility and explain the fix.
Avoid conditional apologies.

complaint-letter | Writes a complaint letter to a company.
Describe the problem, dates and what resolution you want.
Stay factual and attach evidence.

thank-you-note | Writes a thank-you note.
Name the specific thing you appreciate and its effect.
Keep it short and sincere.

product-description | Writes product descriptions for an online shop.
Lead with the benefit, then features and dimensions.
Use sensory words and avoid superlatives you cannot support.

press-release | Writes a press release.
Put the news in the headline and first paragraph.
Include a quote and boilerplate about the company.

brand-voice-guide | Defines a brand voice guide.
Describe the voice with three adjectives and what each does not mean.
Give do and do not examples.

customer-persona | Builds customer personas from research.
Base personas on interview data, not assumptions.
Describe goals, frustrations and context of use.

competitive-analysis | Performs a competitive analysis.
Compare positioning, pricing, features and strengths.
End with opportunities for differentiation.

financial-statement-analysis | Analyses company financial statements.
Compute margins, growth, liquidity and leverage ratios.
Compare with previous years and peers.

forecasting | Builds a simple sales forecast.
Use historical data and seasonality.
Give a range with best, base and worst cases.

cryptography-basics | Explains cryptography concepts.
Distinguish hashing, symmetric and asymmetric encryption.
Never recommend inventing your own cipher.

network-troubleshooting | Troubleshoots home network problems.
Check the physical connection, restart the router and test with another device.
Check DNS settings before blaming the provider.

linux-administration | Performs routine Linux server administration.
Apply security updates regularly and limit SSH to keys.
Monitor disk space and log rotation.

excel-pivot | Summarises data with pivot tables.
Clean the source data into a single table with headers.
Choose rows, columns and values to answer one question.

genealogy-research | Researches family history.
Start with living relatives and documents at home.
Record sources for every fact.

interior-design | Suggests interior design ideas.
Start from how the room is used and the light it gets.
Choose a palette of three colours.

fashion-advice | Gives clothing advice for an occasion.
Consider dress code, weather and comfort.
Suggest one outfit and one alternative.

sports-coaching | Plans a youth sports practice.
Warm up, teach one skill, practise in small games and cool down.
Keep everyone active and give positive feedback.

volunteer-coordination | Coordinates volunteers for an event.
Define roles, shifts and contact points.
Send reminders and thank volunteers afterwards.
`;
