-- One row per measure with its unit, direction and category.
with

measures as (
    select * from seeds.measures
),

final as (
    select
        measure_code,
        measure_name,
        service_kind,
        unit,
        value_type,
        direction,
        category,
        cast(is_output_unit as boolean) as is_output_unit,
        description,
    from measures
)

select * from final
