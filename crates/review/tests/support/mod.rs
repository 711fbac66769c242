pub(crate) mod analyst;
