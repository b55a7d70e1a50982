"""Deterministic generator of the tiny_lm training corpus.

The demo model must produce text that looks like English without downloading anything, and the
corpus must be reproducible and public domain. So it is *written by this script*: a small grammar
of children's-story sentences plus short chat exchanges in the chat template the tiny_lm model
documents (see cordwire/demo/models/README.md). Same seed -> same corpus, byte for byte.

    .venv/bin/python scripts/tiny_lm_corpus.py --out /tmp/corpus.txt
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from pathlib import Path

EOT = "<|endoftext|>"

NAMES = [
    "Tom", "Lily", "Ben", "Mia", "Sam", "Anna", "Max", "Lucy", "Jack", "Emma", "Leo", "Zoe",
    "Tim", "Sara", "Nick", "Ella", "Finn", "Rosa", "Kai", "Nora",
]  # fmt: skip
ANIMALS = [
    "cat", "dog", "bird", "fox", "rabbit", "bear", "duck", "frog", "mouse", "owl", "horse",
    "turtle", "pig", "lion", "fish", "squirrel",
]  # fmt: skip
PLACES = [
    "park", "forest", "garden", "river", "town", "beach", "farm", "hill", "school", "kitchen",
    "lake", "village", "meadow", "castle",
]  # fmt: skip
THINGS = [
    "ball", "kite", "box", "hat", "book", "apple", "flower", "boat", "drum", "cake", "shell",
    "key", "lamp", "map", "cup", "star", "toy car", "blanket",
]  # fmt: skip
ADJS = ["little", "big", "happy", "small", "brave", "kind", "shy", "old", "clever", "funny", "gentle"]
COLORS = ["red", "blue", "green", "yellow", "pink", "white", "brown", "purple", "orange"]
FEELINGS = ["happy", "sad", "scared", "excited", "tired", "proud", "surprised", "curious"]
WEATHER = ["sunny", "rainy", "windy", "cold", "warm", "quiet", "bright", "snowy"]
TIMES = ["One day", "One morning", "One evening", "Later that day", "The next day", "After lunch"]
VERBS_PLAY = ["play", "run", "jump", "sing", "dance", "read", "swim", "draw", "dig", "hide"]
MORALS = [
    "It is good to share with friends.",
    "Being kind makes everyone happy.",
    "It is okay to ask for help.",
    "Friends help each other.",
    "Trying again is how we learn.",
    "Telling the truth is always best.",
    "Small things can make a big difference.",
]
FACTS = {
    "What color is the sky?": "The sky is blue on a sunny day.",
    "What color is grass?": "Grass is green.",
    "What color is snow?": "Snow is white and cold.",
    "What color is the sun?": "The sun looks yellow and bright.",
    "What do cats like?": "Cats like to sleep, play with a ball and drink milk.",
    "What do dogs like?": "Dogs like to run, play and go for walks with their friends.",
    "What do birds do?": "Birds fly in the sky and sing in the trees.",
    "Where do fish live?": "Fish live in the water, in rivers, lakes and the sea.",
    "What is rain?": "Rain is water that falls from the clouds.",
    "Why do we sleep?": "We sleep so our body and mind can rest.",
    "How many legs does a dog have?": "A dog has four legs.",
    "How many legs does a bird have?": "A bird has two legs.",
    "What is the moon?": "The moon is a big round rock that shines in the night sky.",
    "What do bees make?": "Bees make honey.",
}
GREETINGS_IN = ["Hello!", "Hi!", "Hello", "Hi there.", "Good morning!", "Hey!"]
GREETINGS_OUT = [
    "Hello! How can I help you today?",
    "Hi! Do you want to hear a story?",
    "Hello there! What would you like to talk about?",
]
WHO_IN = ["Who are you?", "What are you?", "What is your name?"]
WHO_OUT = "I am a tiny language model made for the cordwire demo. I like to tell short stories."
SYSTEMS = ["You are a helpful assistant.", "You are a friendly storyteller.", "Answer in short sentences."]


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def story(r: random.Random, animal: str | None = None) -> str:
    """One short story: setting, wish, problem, help, ending, sometimes a moral."""
    name = r.choice(NAMES)
    animal = animal or r.choice(ANIMALS)
    friend = r.choice([n for n in NAMES if n != name])
    place, thing, color = r.choice(PLACES), r.choice(THINGS), r.choice(COLORS)
    adj, feel = r.choice(ADJS), r.choice(FEELINGS)
    he = r.choice(["he", "she"])
    his = "his" if he == "he" else "her"
    s: list[str] = []
    s.append(
        r.choice(
            [
                f"Once upon a time, there was {_a(adj)} {animal} named {name}.",
                f"Once upon a time, in a {r.choice(WEATHER)} {place}, there lived {_a(adj)} {animal}.",
                f"There was once {_a(adj)} {animal} called {name} who lived near the {place}.",
            ]
        )
    )
    s.append(
        r.choice(
            [
                f"{name} loved to {r.choice(VERBS_PLAY)} in the {place} every day.",
                f"Every day, {name} went to the {place} to {r.choice(VERBS_PLAY)}.",
                f"{name} had {_a(color)} {thing} that {he} liked very much.",
            ]
        )
    )
    s.append(
        r.choice(
            [
                f"{r.choice(TIMES)}, {name} lost {his} {color} {thing}.",
                f"{r.choice(TIMES)}, {name} saw {_a(color)} {thing} high up in a tree.",
                f"{r.choice(TIMES)}, it was very {r.choice(WEATHER)} and {name} felt {feel}.",
                f"{r.choice(TIMES)}, {name} wanted to {r.choice(VERBS_PLAY)} but {he} was all alone.",
            ]
        )
    )
    s.append(
        r.choice(
            [
                f"{name} looked everywhere, but {he} could not find it.",
                f'"Can you help me?" {name} asked {_a(r.choice(ANIMALS))} named {friend}.',
                f'{friend} came by and said, "Do not be {feel}. I will help you."',
                f"{name} felt {feel} and sat down under a big tree.",
            ]
        )
    )
    s.append(
        r.choice(
            [
                f"Together they looked in the {r.choice(PLACES)} and found the {thing}.",
                f"{friend} was very {r.choice(ADJS)} and shared {_a(thing)} with {name}.",
                f"They played in the {place} until the sun went down.",
                f"Soon {name} and {friend} became the best of friends.",
            ]
        )
    )
    s.append(
        r.choice(
            [
                f'{name} smiled and said, "Thank you, {friend}!"',
                f"{name} was {r.choice(['happy', 'proud', 'glad'])} again.",
                "From that day on, they played together every day.",
                f"That night, {name} went to sleep feeling {r.choice(['happy', 'safe', 'warm'])}.",
            ]
        )
    )
    if r.random() < 0.4:
        s.append(r.choice(MORALS))
    return " ".join(s)


def poem(r: random.Random, topic: str) -> str:
    color, w = r.choice(COLORS), r.choice(WEATHER)
    return (
        f"The {topic} is {r.choice(ADJS)} and {color},\n"
        f"it likes the {w} day.\n"
        f"It sings a song, it plays along,\n"
        f"and then it runs away."
    )


def chat(user: str, answer: str, system: str | None = None) -> str:
    """The chat template tiny_lm documents; the generation prompt is the trailing '<|assistant|>'."""
    head = f"<|system|> {system}\n" if system else ""
    return f"{head}<|user|> {user}\n<|assistant|> {answer}"


def chat_sample(r: random.Random) -> str:
    system = r.choice(SYSTEMS) if r.random() < 0.2 else None
    kind = r.random()
    if kind < 0.45:
        animal = r.choice(ANIMALS)
        user = r.choice(
            [
                f"Tell me a story about a {animal}.",
                f"Tell me a short story about a {animal}.",
                f"Can you tell me a story about a {animal}?",
                f"Write a story about a {animal}.",
            ]
        )
        return chat(user, story(r, animal), system)
    if kind < 0.55:
        return chat(
            r.choice(["Tell me a story.", "Tell me a short story.", "Write a story."]), story(r), system
        )
    if kind < 0.75:
        q = r.choice(list(FACTS))
        return chat(q, FACTS[q], system)
    if kind < 0.85:
        topic = r.choice([*ANIMALS, "sun", "moon", "rain", "tree"])
        return chat(f"Write a poem about the {topic}.", poem(r, topic), system)
    if kind < 0.93:
        return chat(r.choice(GREETINGS_IN), r.choice(GREETINGS_OUT), system)
    return chat(r.choice(WHO_IN), WHO_OUT, system)


def make_corpus(n_docs: int = 12000, seed: int = 1234) -> list[str]:
    """Documents (without separators): about 60% plain stories, 40% chat exchanges."""
    r = random.Random(seed)
    makers: list[Callable[[random.Random], str]] = [story, story, story, chat_sample, chat_sample]
    return [r.choice(makers)(r) for _ in range(n_docs)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--docs", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    args.out.write_text(EOT.join(make_corpus(args.docs, args.seed)) + EOT, encoding="utf-8")


if __name__ == "__main__":
    main()
