"""DIET that leaves the training data as it found it, so an answer edit retrains nothing.

Rasa's DIETClassifier writes its BILOU entity tags into the training examples it is
given (`apply_bilou_schema` in `preprocess_train_data`). The components after it in
the pipeline (the regex extractor, the synonym mapper, the FAQ selector) are trained
on the same example objects, and Rasa's training cache keys each of them by the
fingerprint of its input taken just before it trains. In a training where DIET runs,
those keys include DIET's tags; in the next one DIET comes from the cache, the tags
are missing, the keys differ and the selector trains again (three minutes on a
2-core machine) although nothing it learns from changed: the first FAQ answer edited
after a change to the examples paid for it (docs/benchmarks.md). This DIET tags
copies of the examples: the same model, and the components after it get the same
keys whether DIET trained or came from the cache.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.model_data import RasaModelData


def with_copied_examples(training_data: TrainingData) -> TrainingData:
    """The same training data over copies of its examples (features shared, not copied)."""
    copies = [
        Message(data=example.data, output_properties=set(example.output_properties),
                time=example.time, features=list(example.features))
        for example in training_data.training_examples
    ]
    return TrainingData(
        training_examples=copies,
        entity_synonyms=training_data.entity_synonyms,
        regex_features=training_data.regex_features,
        lookup_tables=training_data.lookup_tables,
        responses=training_data.responses,
    )


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class CacheFriendlyDIETClassifier(DIETClassifier):
    """Rasa's DIETClassifier, preparing its training data on copies of the examples."""

    def preprocess_train_data(self, training_data: TrainingData) -> RasaModelData:
        """Rasa's preparation (BILOU tags included), done on copies of the examples."""
        return super().preprocess_train_data(with_copied_examples(training_data))
