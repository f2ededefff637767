"""The roster import written with django-import-export: the baseline of bench_import.py's "≥ 10× faster".

Only a benchmark uses this (bench/requirements.txt; the app does not depend on django-import-export).
It imports the same .xlsx (person + post on each row, a title row above the header) the way a
django-import-export user would, made as fast as we could while writing the same rows:

- two ModelResources over the one file, people first (matched by 身份证号), then posts (matched by
  person, unit, 妇联职务, 任职时间), as the library imports one model per resource;
- the file read once by tablib (openpyxl read-only) and the dataset shared by both resources;
- `use_bulk` (bulk_create / bulk_update in batches) and `skip_diff` (no per-row copy and diff);
- every lookup cached: existing people in one query (CachedInstanceLoader), existing posts in one
  query per 500 people (PostLoader), the person and unit foreign keys from one query each;
- Person.save() is skipped by bulk_create, so its search key and full birthday are filled here,
  as the app's bulk writers do.

It does not do what the app's importer does beyond that: no audit rows, no post rules, no leadership
check, no certificate register, no all-or-nothing report of every faulty cell.
"""

import datetime

import tablib
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader, CachedInstanceLoader, ModelInstanceLoader

from members import codes
from members.models import Person, Post, pinyin_initials
from members.roster_xlsx.cells import code_maps
from members.roster_xlsx.columns import COLUMN_BY_KEY
from orgtree.models import Unit

TRUE_WORDS = {"是", "√", "✓", "y", "yes", "true", "1"}


def header(key):
    return COLUMN_BY_KEY[key].header


def load_dataset(data):
    """The file's 名册 sheet as a tablib Dataset: the title row skipped, the header row as headers."""
    dataset = tablib.Dataset()
    dataset.load(data, format="xlsx", skip_lines=1)
    return dataset


class CodeWidget(widgets.Widget):
    """A label (女, 汉, 党员, 本科, 主席 ...) to its stored code, from the app's own table of spellings."""

    def __init__(self, key, default=None):
        super().__init__()
        self.mapping = code_maps()[key]
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return self.default
        code = self.mapping.get(text.lower())
        if code is None:
            raise ValueError(f"“{text}”不是有效的{self.__class__.__name__}")
        return code


class FlagWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return str(value or "").strip().lower() in TRUE_WORDS


class MonthWidget(widgets.Widget):
    """出生年月 written 1975.03 (or a date cell): the 1st of that month."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date().replace(day=1)
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        year, month = str(value).strip().split(".")[:2]
        return datetime.date(int(year), int(month), 1)


class CachedForeignKeyWidget(widgets.ForeignKeyWidget):
    """ForeignKeyWidget with every object it can be asked for loaded in one query (see `prime`)."""

    def __init__(self, model, field):
        super().__init__(model, field=field)
        self.cache = {}

    def prime(self, values):
        self.cache = {
            getattr(obj, self.field): obj for obj in self.model.objects.filter(**{f"{self.field}__in": values})
        }

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            return None
        try:
            return self.cache[value]
        except KeyError:
            return super().clean(value, row, **kwargs)


def _text(key):
    return fields.Field(attribute=key, column_name=header(key), widget=widgets.CharWidget(allow_blank=True))


def _code(key, default):
    return fields.Field(attribute=key, column_name=header(key), widget=CodeWidget(key, default))


class PersonResource(resources.ModelResource):
    name = _text("name")
    gender = _code("gender", Person.Gender.FEMALE)
    ethnicity = _code("ethnicity", codes.HAN)
    birth_date = fields.Field(attribute="birth_date", column_name=header("birth_date"), widget=MonthWidget())
    id_number = _text("id_number")
    political_status = _code("political_status", "13")
    education = _code("education", "21")
    workplace_title = _text("workplace_title")
    mobile = _text("mobile")
    source = _code("source", codes.SOURCE_OTHER)
    is_women_worker = fields.Field(
        attribute="is_women_worker", column_name=header("is_women_worker"), widget=FlagWidget()
    )
    is_frontline = fields.Field(attribute="is_frontline", column_name=header("is_frontline"), widget=FlagWidget())

    class Meta:
        model = Person
        fields = (
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
            "political_status",
            "education",
            "workplace_title",
            "mobile",
            "source",
            "is_women_worker",
            "is_frontline",
        )
        import_id_fields = ("id_number",)
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        batch_size = 500
        skip_diff = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.name_initials = pinyin_initials(instance.name)
        instance.fill_birthday()


class PostLoader(BaseInstanceLoader):
    """The stored posts of the file's people, loaded in one query per 500 people, by the post's key."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.by_key = {}
        people = resource.fields["person"].widget.cache
        ids = [p.pk for p in people.values()]
        for start in range(0, len(ids), 500):
            for post in Post.objects.filter(person_id__in=ids[start : start + 500]):
                self.by_key[(post.person_id, post.unit_id, post.role, post.start_date)] = post

    def get_instance(self, row):
        f = self.resource.fields
        person, unit = f["person"].clean(row), f["unit"].clean(row)
        if person is None or unit is None:
            return None
        return self.by_key.get((person.pk, unit.pk, f["role"].clean(row), f["start_date"].clean(row)))


class PostResource(resources.ModelResource):
    person = fields.Field(
        attribute="person", column_name=header("id_number"), widget=CachedForeignKeyWidget(Person, "id_number")
    )
    unit = fields.Field(attribute="unit", column_name=header("unit_code"), widget=CachedForeignKeyWidget(Unit, "code"))
    role = _code("role", None)
    mode = _code("mode", Post.Mode.PART_TIME)
    method = _code("method", Post.Method.UNIT)
    start_date = fields.Field(
        attribute="start_date", column_name=header("start_date"), widget=widgets.DateWidget(format="%Y-%m-%d")
    )
    end_date = fields.Field(
        attribute="end_date", column_name=header("end_date"), widget=widgets.DateWidget(format="%Y-%m-%d")
    )
    two_committees = _code("two_committees", "")
    note = _text("note")

    class Meta:
        model = Post
        fields = ("person", "unit", "role", "mode", "method", "start_date", "end_date", "two_committees", "note")
        import_id_fields = ("person", "unit", "role", "start_date")
        instance_loader_class = PostLoader
        use_bulk = True
        batch_size = 500
        skip_diff = True

    def before_import(self, dataset, **kwargs):
        self.fields["person"].widget.prime([str(v).strip() for v in dataset[header("id_number")] if v])
        self.fields["unit"].widget.prime([str(v).strip() for v in dataset[header("unit_code")] if v])


def import_file(data):
    """Import the file's people, then its posts, in one transaction each; the two tablib Results."""
    dataset = load_dataset(data)
    people = PersonResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    posts = PostResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    return people, posts


# --- the same resources as django-import-export's documentation writes them ------------------------
# (for the record: the library's defaults, one save() and a few lookups per row, and a diff of each
# row; the "17-27x" once quoted in issue 15 was against this, not against the tuned resources above)

PERSON_FIELDS = PersonResource._meta.fields
POST_FIELDS = PostResource._meta.fields


class PlainPersonResource(PersonResource):
    class Meta:
        model = Person
        fields = PERSON_FIELDS
        import_id_fields = ("id_number",)
        instance_loader_class = ModelInstanceLoader
        use_bulk = False
        skip_diff = False

    def before_save_instance(self, instance, row, **kwargs):
        """The library's default: nothing filled here, Person.save() fills the search key and the birthday."""


class PlainPostResource(PostResource):
    person = fields.Field(
        attribute="person", column_name=header("id_number"), widget=widgets.ForeignKeyWidget(Person, "id_number")
    )
    unit = fields.Field(
        attribute="unit", column_name=header("unit_code"), widget=widgets.ForeignKeyWidget(Unit, "code")
    )

    class Meta:
        model = Post
        fields = POST_FIELDS
        import_id_fields = ("person", "unit", "role", "start_date")
        instance_loader_class = ModelInstanceLoader
        use_bulk = False
        skip_diff = False

    def before_import(self, dataset, **kwargs):
        """The library's default: no lookups primed, so each row's person and unit are one query each."""


def import_file_plain(data):
    """import_file with the library's defaults (PlainPersonResource, PlainPostResource)."""
    dataset = load_dataset(data)
    people = PlainPersonResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    posts = PlainPostResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    return people, posts
